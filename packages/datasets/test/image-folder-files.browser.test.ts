import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchChromium, serveBrowserTest } from './helpers/chromium.js';
import { startServer, type FixtureServer } from './helpers/server.js';

// imageFolderFromFiles' default decoder (createImageBitmap) on real PNG and JPEG files,
// encoded here in Node by pngjs and jpeg-js (not by the browser that decodes them).
const why = browserUnavailable();
const required = process.env.CI === 'true';
if (why && !required) console.warn(`imageFolderFromFiles browser tests skipped: ${why}. With CI=true they fail instead.`);

const W = 16;
const H = 12;
/** Smooth opaque RGBA test pixels (JPEG keeps smooth images close). */
const RGBA = Uint8Array.from({ length: W * H * 4 }, (_, i) => {
  const p = i >> 2, x = p % W, y = Math.floor(p / W), c = i & 3;
  return [x * 15 + 10, y * 18 + 20, 200 - x * 5 - y * 4, 255][c];
});

function png(): number[] {
  const img = new PNG({ width: W, height: H });
  img.data.set(RGBA);
  return Array.from(PNG.sync.write(img));
}

function jpg(): number[] {
  return Array.from(jpeg.encode({ width: W, height: H, data: Buffer.from(RGBA) }, 95).data);
}

interface Decoded {
  readonly width: number;
  readonly height: number;
  readonly data: number[];
}

/** Mean and largest absolute difference over the values `take` picks. */
function diff(got: ArrayLike<number>, want: ArrayLike<number>, take: (i: number) => boolean = () => true): { mean: number; max: number } {
  let sum = 0, max = 0, n = 0;
  for (let i = 0; i < want.length; i++) {
    if (!take(i)) continue;
    const d = Math.abs(got[i] - want[i]);
    sum += d;
    max = Math.max(max, d);
    n++;
  }
  return { mean: sum / n, max };
}
const rgbOnly = (i: number): boolean => (i & 3) !== 3;

/** RGBA pixels as [3, H, W] planes. */
const planes = (rgba: ArrayLike<number>): number[] => [0, 1, 2].flatMap((c) => Array.from({ length: W * H }, (_, p) => rgba[p * 4 + c]));

describe.skipIf(why !== null && !required)('imageFolderFromFiles default decoder in Chromium (playwright-core)', () => {
  let server: FixtureServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    if (why) throw new Error(`CI=true requires the browser tests: ${why}`);
    server = await startServer();
    await serveBrowserTest(server);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
    });
    await page.goto(`${server.base}/image-folder-files.html`);
    await page.waitForFunction(() => 'imageFolderTest' in window, null, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  type TestApi = {
    decode(b: number[], t: string): Promise<Decoded>;
    folder(f: { path: string; bytes: number[]; type: string }[], o: unknown): Promise<{ classes: string[]; labels: number[]; shape: number[]; images: number[] }>;
    notAnImage(): Promise<{ name: string; message: string } | null>;
  };
  const api = <K extends keyof TestApi>(name: K, ...args: Parameters<TestApi[K]>): ReturnType<TestApi[K]> =>
    page.evaluate(([n, a]) => (window as unknown as { imageFolderTest: Record<string, (...x: unknown[]) => unknown> }).imageFolderTest[n](...a), [name, args] as const) as ReturnType<TestApi[K]>;

  it('decodes a PNG Blob to exactly its pixels', async () => {
    const got = await api('decode', png(), 'image/png');
    expect([got.width, got.height]).toEqual([W, H]);
    expect(got.data).toEqual(Array.from(RGBA));
  });

  it('decodes a JPEG Blob to its pixels within JPEG tolerance (quality 95)', async () => {
    const got = await api('decode', jpg(), 'image/jpeg');
    expect([got.width, got.height]).toEqual([W, H]);
    const d = diff(got.data, RGBA, rgbOnly);
    expect(d.mean).toBeLessThan(3);
    expect(d.max).toBeLessThan(16);
    got.data.forEach((v, i) => (i & 3) === 3 && expect(v).toBe(255));
  });

  it('imageFolderFromFiles with the default decoder: classes from folders, PNG exact, JPEG close, as [3, H, W] bytes', async () => {
    const ds = await api('folder', [
      { path: 'b/2.jpg', bytes: jpg(), type: 'image/jpeg' },
      { path: 'a/1.png', bytes: png(), type: 'image/png' },
      { path: 'a/notes.txt', bytes: [1, 2, 3], type: 'text/plain' },
    ], { size: [H, W] });
    expect(ds.classes).toEqual(['a', 'b']);
    expect(ds.labels).toEqual([0, 1]);
    expect(ds.shape).toEqual([2, 3, H, W]);
    const want = planes(RGBA);
    expect(ds.images.slice(0, 3 * W * H)).toEqual(want);
    const d = diff(ds.images.slice(3 * W * H), want);
    expect(d.mean).toBeLessThan(3);
    expect(d.max).toBeLessThan(16);
  });

  it('bytes that are no image give a DataError naming the file and the fix; no page errors', async () => {
    const e = await api('notAnImage');
    expect(e?.name).toBe('DataError');
    expect(e?.message).toMatch(/cats\/broken\.png could not be decoded as an image .*remove it from the folder/);
    expect(errors).toEqual([]);
  });
});
