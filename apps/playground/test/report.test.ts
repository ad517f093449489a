import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { processIo, train } from '@tessera/cli';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, collectErrors, launch } from './browser.js';

// The report.html that `tessera train` writes, opened in the same Chromium as the page: it
// must render its charts, confusion matrix and image grid with no network and no errors.
const artifacts = fileURLToPath(new URL('../test-results', import.meta.url));
const why = existsSync(CHROMIUM) ? null : `Chromium is not installed at ${CHROMIUM}`;
const required = process.env.CI === 'true';
if (why && !required) console.warn(`report browser test skipped: ${why}. With CI=true it fails instead.`);

describe.skipIf(why !== null && !required)('report.html from tessera train in Chromium', () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!why) browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the loss and accuracy curves, the confusion heat map and the test-image grid', async () => {
    if (why) throw new Error(`CI requires the report browser test, but ${why}.`);
    const out = join(mkdtempSync(join(tmpdir(), 'tessera-report-')), 'run');
    const quiet = { ...processIo(), out: () => {}, err: () => {}, stream: { write: () => true, isTTY: false } };
    await train(['--model', 'mlp', '--dataset', 'mnist-sample', '--epochs', '2', '--limit', '400', '--batch-size', '50', '--backend', 'cpu', '--out', out], quiet);
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    const errors = collectErrors(page);
    try {
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      const charts = page.locator('.charts svg');
      expect(await charts.count()).toBe(2);
      for (let i = 0; i < 2; i++) {
        const box = await charts.nth(i).boundingBox();
        expect(box!.width).toBeGreaterThan(100);
        expect(await charts.nth(i).locator('polyline').count()).toBe(2); // train and validation
      }
      const cells = page.locator('table.cm td');
      expect(await cells.count()).toBeGreaterThanOrEqual(100); // 10 × 10 heat map
      const shaded = await cells.evaluateAll((tds) => tds.filter((td) => getComputedStyle(td).backgroundColor !== 'rgba(0, 0, 0, 0)').length);
      expect(shaded).toBeGreaterThanOrEqual(10);
      const images = page.locator('.grid figure img');
      expect(await images.count()).toBe(64);
      // Every data-URI PNG decodes to the digit (28×28, drawn at an integer scale).
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.grid figure img')].every((im) => im.complete), null, { timeout: 30_000 });
      const widths = await images.evaluateAll((imgs) => imgs.map((im) => (im as HTMLImageElement).naturalWidth));
      expect(widths[0] % 28).toBe(0);
      expect(widths).toEqual(Array(64).fill(widths[0]));
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: `${artifacts}/report.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
