/**
 * Browser tests in Debian's Chromium through playwright-core (never a downloaded browser),
 * as apps/playground runs them. The page and worker scripts of `test/browser/` are bundled
 * with esbuild from this package's source (so the test needs no build of it) and the
 * built core and backend-cpu, and served from a local server.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import type { FixtureServer } from './server.js';

/** Debian's chromium package. */
const CHROMIUM = '/usr/bin/chromium';

const SOURCE = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const PAGES = fileURLToPath(new URL('../browser/', import.meta.url));

/** Why the browser tests cannot run here, or null. */
export function browserUnavailable(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium is not installed at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`;
  return null;
}

/** One ES module bundle of a `test/browser/` script; `@tessera/datasets` is this package's source. */
async function bundle(file: string): Promise<Uint8Array> {
  const r = await build({
    entryPoints: [join(PAGES, file)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    alias: { '@tessera/datasets': SOURCE },
  });
  return r.outputFiles[0].contents;
}

/**
 * Routes `test/browser/`: HTML pages as they are, scripts (`*.js`) bundled; a favicon
 * request gets an empty answer so that the page logs no 404.
 */
export async function serveBrowserTest(server: FixtureServer): Promise<void> {
  server.route('/favicon.ico', { status: 204 });
  for (const f of readdirSync(PAGES)) {
    if (f.endsWith('.html')) server.route(`/${f}`, { body: readFileSync(join(PAGES, f)), type: 'text/html; charset=utf-8' });
    else if (f.endsWith('.js')) server.route(`/${f}`, { body: await bundle(f), type: 'text/javascript; charset=utf-8' });
  }
}

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
