import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REQUIRE_GPU } from './gpu.js';

// The built packages in headless Chromium (WebGPU on SwiftShader): proves the browser
// path — navigator.gpu, no Node-only import — end to end.
const packages = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(`${packages}backend-webgpu/dist/index.js`) && existsSync(`${packages}core/dist/index.js`);
const chromium = spawnSync('chromium', ['--version']).status === 0;
const why = !chromium ? 'chromium is not installed' : !built ? 'the packages are not built (pnpm build)' : null;

interface PageResult {
  readonly backend?: string;
  readonly y?: number[];
  readonly dataSync?: string;
  readonly hasNavigatorGpu?: boolean;
  readonly error?: string;
}

/** Serves the page and /pkg/<package>/dist files; resolves with what the page POSTs to /result. */
function serve(): Promise<{ server: Server; url: string; result: Promise<PageResult> }> {
  let done: (r: PageResult) => void = () => {};
  const result = new Promise<PageResult>((r) => (done = r));
  const server = createServer(async (req, res) => {
    const url = req.url ?? '/';
    try {
      if (url === '/') {
        res.setHeader('content-type', 'text/html');
        res.end(await readFile(new URL('./browser/page.html', import.meta.url)));
      } else if (url === '/result') {
        let body = '';
        for await (const chunk of req) body += String(chunk);
        res.end();
        done(JSON.parse(body) as PageResult);
      } else if (/^\/pkg\/[\w-]+\/dist\/[\w./-]+\.js$/.test(url) && !url.includes('..')) {
        res.setHeader('content-type', 'text/javascript');
        res.end(await readFile(`${packages}${url.slice('/pkg/'.length)}`));
      } else {
        res.statusCode = 404;
        res.end();
      }
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, result })),
  );
}

describe.skipIf(why !== null && !REQUIRE_GPU)('in a browser (headless Chromium)', () => {
  let browser: ChildProcess | undefined;
  let server: Server | undefined;
  const profile = `/tmp/tessera-chromium-${process.pid}`;
  afterAll(async () => {
    server?.close();
    const b = browser;
    if (b?.pid !== undefined && b.exitCode === null) {
      const exited = new Promise((r) => b.once('exit', r));
      // Chromium runs as a process group (it was spawned detached): end the whole group.
      process.kill(-b.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    rmSync(profile, { recursive: true, force: true });
  });

  it('runs ops on navigator.gpu and reads back asynchronously', async () => {
    if (why) throw new Error(`CI requires the browser test, but ${why}`);
    const s = await serve();
    server = s.server;
    browser = spawn('chromium', ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader', `--user-data-dir=${profile}`, s.url], { stdio: 'ignore', detached: true });
    const r = await s.result;
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ backend: 'webgpu', hasNavigatorGpu: true });
    expect(r.dataSync).toMatch(/NotSupportedError.*await t\.data\(\)/); // a BackendError subclass
    const want = [Math.exp(7) / (Math.exp(7) + Math.exp(10)), Math.exp(10) / (Math.exp(7) + Math.exp(10))];
    expect(r.y?.[0]).toBeCloseTo(want[0], 5);
    expect(r.y?.[1]).toBeCloseTo(want[1], 5);
  }, 60_000);
});
