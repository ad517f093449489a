import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nn } from 'tessera';

const { readSafetensorsHeader } = nn;
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, collectErrors, dataNumber, launch, stroke } from './browser.js';
import { type StaticServer, serveStatic } from './server.js';

// The built page in Debian's headless Chromium: WebGPU (SwiftShader) by default, then the
// CPU backend forced with ?backend=cpu. A small MLP at batch 16 keeps SwiftShader quick; the
// CPU run uses batch 32, whose GEMMs (2·32·784·128 flops) are large enough to be split
// across the CPU backend's Web Worker threads.
const dist = fileURLToPath(new URL('../dist', import.meta.url));
const artifacts = fileURLToPath(new URL('../test-results', import.meta.url));
const why = browserUnavailable(dist);
const required = process.env.CI === 'true';
if (why && !required) console.warn(`playground browser test skipped: ${why}. With CI=true it fails instead.`);

const BATCH = { webgpu: 16, cpu: 32 } as const;
// Enough epochs that training is still running when the test pauses it: on the CPU one
// epoch of the bundled sample takes well under a second now, less than one poll of the test.
const setup = (backend: 'webgpu' | 'cpu') => `model=mlp&optimizer=adam&lr=0.003&batch=${BATCH[backend]}&epochs=100`;
const STEPS = 30;

async function trainAndDraw(page: Page, backend: 'webgpu' | 'cpu'): Promise<void> {
  const state = page.locator('#state');
  await page.waitForFunction(() => document.getElementById('val-loss')?.dataset.value !== undefined, null, { timeout: 180_000 });
  expect(await state.getAttribute('data-state')).toBe('idle');
  expect(await page.locator('#backend').getAttribute('data-backend')).toBe(backend);
  expect((await page.locator('#device').textContent())?.trim()).not.toBe('');
  expect(await page.locator('#isolation').textContent()).toBe('cross-origin isolated');
  // The CPU backend runs its GEMMs on Web Workers sharing the WebAssembly memory (the
  // default thread count is navigator.hardwareConcurrency: 2 in headless Chromium here).
  const threads = await dataNumber(page, '#threads', 'threads');
  if (backend === 'cpu') expect(threads).toBeGreaterThan(1);
  else expect(threads).toBe(0);
  expect(await page.inputValue('#model')).toBe('mlp');
  const untrained = await dataNumber(page, '#val-loss', 'value');
  expect(untrained).toBeGreaterThan(1.8); // about ln 10 for ten classes

  // Train until a validation point is taken after at least STEPS batches of 16.
  await page.click('#start');
  await page.waitForFunction((examples) => Number(document.getElementById('val-loss')?.dataset.seen) >= examples, STEPS * BATCH[backend], {
    timeout: 240_000,
    polling: 250,
  });
  expect(await dataNumber(page, '#progress', 'step')).toBeGreaterThanOrEqual(STEPS);
  await page.click('#pause');
  await expect.poll(() => state.getAttribute('data-state'), { timeout: 60_000 }).toBe('paused');
  const firstTrain = await dataNumber(page, '#train-loss', 'first');
  const lastTrain = await dataNumber(page, '#train-loss', 'value');
  const trained = await dataNumber(page, '#val-loss', 'value');
  expect(lastTrain).toBeLessThan(firstTrain);
  expect(trained).toBeLessThan(untrained - 0.3);
  // Proof that the workers took part (not merely that threads were asked for).
  const workerParts = await dataNumber(page, '#threads', 'worker-parts');
  if (backend === 'cpu') expect(workerParts).toBeGreaterThan(0);
  else expect(workerParts).toBe(0);
  expect(Number((await page.locator('#speed').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
  expect(await page.locator('#memory').textContent()).toMatch(/^\d+ tensors · [\d.]+ [KM]iB/);
  expect(await page.locator('#grid figure').count()).toBe(48);
  expect(await page.locator('#grid figure[data-predicted]').count()).toBe(48);

  // Draw a "7": the ten probabilities appear and sum to one.
  await stroke(page, '#pad', [[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]]);
  await page.waitForFunction(() => document.getElementById('probs')?.dataset.predicted !== undefined, null, { timeout: 60_000 });
  const probs = await page.locator('#probs li').evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.prob)));
  expect(probs).toHaveLength(10);
  for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
  expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  const ink = await page.locator('#preview').evaluate((c) => {
    const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
    return d.filter((_, i) => i % 4 === 0 && d[i] > 0).length;
  });
  expect(ink).toBeGreaterThan(20); // the 28×28 preview shows the preprocessed stroke
  await page.screenshot({ path: `${artifacts}/playground-${backend}.png`, fullPage: true });

  // Save the weights as safetensors, then load them back: the page validates them at once.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
  const file = `${artifacts}/weights-${backend}.safetensors`;
  await download.saveAs(file);
  const header = readSafetensorsHeader(new Uint8Array(readFileSync(file)));
  expect(header.metadata.model).toBe('mlp-128');
  expect(JSON.parse(header.metadata['tessera.config'] ?? 'null')).toMatchObject({ type: 'mlp', args: [{ inFeatures: 784, hidden: [128], outFeatures: 10 }] });
  expect(Object.fromEntries(header.entries.map((e) => [e.name, e.shape]))).toEqual({ '1.weight': [128, 784], '1.bias': [128], '3.weight': [10, 128], '3.bias': [10] });
  await page.setInputFiles('#load', file);
  await page.waitForFunction(() => document.getElementById('weights-status')?.dataset.loaded !== undefined, null, { timeout: 60_000 });
  await page.waitForFunction(() => document.getElementById('val-loss')?.dataset.value !== undefined, null, { timeout: 60_000 });
  expect(await dataNumber(page, '#val-loss', 'value')).toBeLessThan(untrained - 0.3);
  expect(await state.getAttribute('data-state')).toBe('idle');
}

describe.skipIf(why !== null && !required)('the playground in Chromium', () => {
  let browser: Browser | undefined;
  let server: StaticServer | undefined;

  beforeAll(async () => {
    if (why) return; // each test fails below, naming the reason
    mkdirSync(artifacts, { recursive: true });
    server = await serveStatic(dist);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs to the last epoch, continues from the trained weights, and resets to the same untrained model (CPU)', async () => {
    if (why) throw new Error(`CI requires the playground browser test, but ${why}.`);
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = collectErrors(page);
    try {
      // One epoch of 8,000 digits at batch 250: 32 steps.
      await page.goto(`${server!.url}?model=mlp&optimizer=adam&lr=0.003&batch=250&epochs=1&backend=cpu`);
      const state = page.locator('#state');
      await page.waitForFunction(() => document.getElementById('val-loss')?.dataset.value !== undefined, null, { timeout: 180_000 });
      const untrained = await dataNumber(page, '#val-loss', 'value');
      await page.click('#start');
      await expect.poll(() => state.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
      expect(await page.locator('#start').textContent()).toBe('Continue');
      expect(await dataNumber(page, '#progress', 'step')).toBe(32);
      const afterOne = await dataNumber(page, '#val-loss', 'value');
      expect(afterOne).toBeLessThan(untrained - 0.3);
      // Continue: a second epoch from the trained weights; steps and examples count on.
      await page.click('#start');
      await expect.poll(() => dataNumber(page, '#progress', 'step'), { timeout: 120_000 }).toBe(64);
      await expect.poll(() => state.getAttribute('data-state'), { timeout: 120_000 }).toBe('done');
      expect(await dataNumber(page, '#val-loss', 'seen')).toBe(16_000);
      expect(await dataNumber(page, '#val-loss', 'value')).toBeLessThan(afterOne);
      // Reset: the same seed gives the same untrained model and validation loss.
      await page.click('#reset');
      await expect.poll(() => state.getAttribute('data-state'), { timeout: 60_000 }).toBe('idle');
      await page.waitForFunction(() => document.getElementById('val-loss')?.dataset.value !== undefined, null, { timeout: 60_000 });
      expect(await dataNumber(page, '#val-loss', 'value')).toBeCloseTo(untrained, 6);
      expect(await page.locator('#error').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  for (const backend of ['webgpu', 'cpu'] as const) {
    it(`trains, draws, saves and loads on ${backend === 'webgpu' ? 'WebGPU (chosen automatically)' : 'the CPU (?backend=cpu)'}`, async () => {
      if (why) throw new Error(`CI requires the playground browser test, but ${why}.`);
      const context = await browser!.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors = collectErrors(page);
      try {
        await page.goto(`${server!.url}?${setup(backend)}${backend === 'cpu' ? '&backend=cpu' : ''}`);
        await trainAndDraw(page, backend);
        expect(await page.locator('#error').isHidden()).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
