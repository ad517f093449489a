import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchChromium, serveBrowserTest } from './helpers/chromium.js';
import { startServer, type FixtureServer } from './helpers/server.js';

// fromPixels on every browser pixel source, in Debian's Chromium: each source is made from
// the same known pixels (test/browser/from-pixels.page.js) and the tensor must hold them.
const why = browserUnavailable();
const required = process.env.CI === 'true';
if (why && !required) console.warn(`fromPixels browser tests skipped: ${why}. With CI=true they fail instead.`);

/** The page's 3×2 opaque pixels, row-major. */
const PIXELS = [
  [255, 0, 0], [0, 255, 0], [0, 0, 255],
  [255, 255, 255], [0, 0, 0], [200, 100, 50],
];
/** [3, 2, 3] planes of the bytes. */
const planes = (scale: number): number[] => [0, 1, 2].flatMap((c) => PIXELS.map((p) => p[c] * scale));
/** BT.601 luminance of each pixel. */
const luma = PIXELS.map(([r, g, b]) => 0.299 * r + 0.587 * g + 0.114 * b);

interface Converted {
  readonly shape: number[];
  readonly dtype: string;
  readonly values: number[];
  readonly inWorker?: boolean;
}

function expectValues(got: Converted, shape: number[], dtype: string, want: number[], exact = false): void {
  expect(got.shape).toEqual(shape);
  expect(got.dtype).toBe(dtype);
  expect(got.values).toHaveLength(want.length);
  if (exact) expect(got.values).toEqual(want);
  else got.values.forEach((v, i) => expect(v, `value ${i}`).toBeCloseTo(want[i], 5));
}

describe.skipIf(why !== null && !required)('fromPixels in Chromium (playwright-core)', () => {
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
    await page.goto(`${server.base}/from-pixels.html`);
    await page.waitForFunction(() => 'fromPixelsTest' in window, null, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const convert = (source: string, options: Record<string, unknown> = {}): Promise<Converted> =>
    page.evaluate(([s, o]) => (window as unknown as { fromPixelsTest: { convert(s: string, o: unknown): Promise<Converted> } }).fromPixelsTest.convert(s, o), [source, options] as const);

  const SOURCES = ['imageData', 'plainObject', 'canvas', 'offscreenCanvas', 'imageBitmapOfBlob', 'imageBitmapOfImageData', 'image', 'videoFrame'];

  it('the page offers every source kind', async () => {
    expect(await page.evaluate(() => (window as unknown as { fromPixelsTest: { sources: string[] } }).fromPixelsTest.sources)).toEqual(SOURCES);
  });

  for (const source of SOURCES) {
    it(`${source}: float32 RGB in [0, 1] by default, exactly the pixels`, async () => {
      expectValues(await convert(source), [3, 2, 3], 'float32', planes(1 / 255));
    });
  }

  it('channels: 1 gives BT.601 luminance (ImageData, canvas, ImageBitmap, <img>)', async () => {
    for (const source of ['imageData', 'canvas', 'imageBitmapOfBlob', 'image']) {
      expectValues(await convert(source, { channels: 1 }), [1, 2, 3], 'float32', luma.map((v) => v / 255));
    }
  });

  it("dtype 'int32' gives the bytes (grey rounded); normalize: false keeps 0..255 in float32", async () => {
    expectValues(await convert('offscreenCanvas', { dtype: 'int32' }), [3, 2, 3], 'int32', planes(1), true);
    expectValues(await convert('imageBitmapOfBlob', { dtype: 'int32', channels: 1 }), [1, 2, 3], 'int32', luma.map(Math.round), true);
    expectValues(await convert('image', { normalize: false }), [3, 2, 3], 'float32', planes(1));
  });

  it('bad options are DataErrors that say what to use', async () => {
    const err = (o: Record<string, unknown>) =>
      page.evaluate((opts) => (window as unknown as { fromPixelsTest: { convert(s: string, o: unknown): Promise<unknown> } }).fromPixelsTest.convert('imageData', opts).then(() => null, (e: Error) => `${e.name}: ${e.message}`), o);
    expect(await err({ dtype: 'int32', normalize: true })).toMatch(/DataError: fromPixels: normalize: true gives values in \[0, 1\], which int32 cannot hold/);
    expect(await err({ channels: 4 })).toMatch(/DataError: fromPixels: channels must be 1 \(grey\) or 3 \(RGB\) \(got 4\)/);
    expect(await err({ dtype: 'uint8' })).toMatch(/DataError: fromPixels: dtype must be 'float32' or 'int32'/);
  });

  it('an <img> that has not loaded is a DataError saying to await decode()', async () => {
    const e = await page.evaluate(() => (window as unknown as { fromPixelsTest: { unloadedImage(): { name: string; message: string } | null } }).fromPixelsTest.unloadedImage());
    expect(e?.name).toBe('DataError');
    expect(e?.message).toMatch(/fromPixels: the source is 0×0; wait until it has pixels \(await img\.decode\(\)/);
  });

  it('in a module Web Worker: createImageBitmap of a PNG Blob, then fromPixels on OffscreenCanvas', async () => {
    const run = (o: Record<string, unknown>) =>
      page.evaluate((opts) => (window as unknown as { fromPixelsTest: { inWorker(o: unknown): Promise<Converted> } }).fromPixelsTest.inWorker(opts), o);
    const rgb = await run({});
    expect(rgb.inWorker).toBe(true);
    expectValues(rgb, [3, 2, 3], 'float32', planes(1 / 255));
    expectValues(await run({ channels: 1, dtype: 'int32' }), [1, 2, 3], 'int32', luma.map(Math.round), true);
    expect(errors).toEqual([]);
  });
});
