/**
 * Serves a folder with the cross-origin isolation headers (COOP/COEP) that shared
 * WebAssembly memory needs, and opens pages in Debian's Chromium with playwright-core
 * (never a downloaded browser).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { chromium } from 'playwright-core';

/** Debian's chromium package. */
const CHROMIUM = '/usr/bin/chromium';

/** Why no browser can run here, or null. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `Chromium is not installed at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`;
}

const TYPES: Readonly<Record<string, string>> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8' };

/** What a page left in its title after 'done:' (JSON), and the console lines it printed. */
export interface PageResult {
  readonly result: unknown;
  readonly console: readonly string[];
}

/**
 * Opens `page` from `root` (served on 127.0.0.1, cross-origin isolated) in headless
 * Chromium and waits until its title starts with 'done:'.
 */
export async function runPage(root: string, page: string, timeoutMs = 90_000): Promise<PageResult> {
  const server = createServer(async (req, res) => {
    const file = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    try {
      if (!file.startsWith(normalize(root) + sep)) throw new Error('outside');
      const body = await readFile(file);
      res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
      res.end(body);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--no-first-run'] });
  try {
    const tab = await browser.newPage();
    const lines: string[] = [];
    tab.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
    tab.on('pageerror', (e) => lines.push(`uncaught: ${e.message}`));
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/${page}`);
    await tab.waitForFunction(() => document.title.startsWith('done:'), undefined, { timeout: timeoutMs });
    return { result: JSON.parse((await tab.title()).slice(5)) as unknown, console: lines };
  } finally {
    await browser.close();
    await new Promise((r) => server.close(r));
  }
}
