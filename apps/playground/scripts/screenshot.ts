/**
 * Regenerates docs/screenshot.png (the README's picture) from the built page in headless
 * Chromium: trains for a while with the given URL settings, pauses, draws a digit.
 *
 *   pnpm --filter playground build && pnpm --filter playground screenshot [seconds] [query] [out.png]
 */
import { fileURLToPath } from 'node:url';
import { launch, stroke } from '../test/browser.js';
import { serveStatic } from '../test/server.js';

const seconds = Number(process.argv[2] ?? 60);
const query = process.argv[3] ?? 'model=mlp&optimizer=adam&lr=0.003&batch=32&epochs=3';
const server = await serveStatic(fileURLToPath(new URL('../dist', import.meta.url)));
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => document.getElementById('val-loss')?.dataset.value !== undefined, null, { timeout: 300_000 });
  await page.click('#start');
  await page.waitForTimeout(seconds * 1000);
  if (await page.locator('#pause').isEnabled()) await page.click('#pause');
  await page.waitForFunction(() => ['paused', 'done'].includes(document.getElementById('state')?.dataset.state ?? ''), null, {
    timeout: 120_000,
  });
  await stroke(page, '#pad', [[0.25, 0.2], [0.75, 0.2], [0.45, 0.85]]);
  await page.waitForFunction(() => document.getElementById('probs')?.dataset.predicted !== undefined, null, { timeout: 60_000 });
  const out = process.argv[4] ?? fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));
  await page.screenshot({ path: out, fullPage: true });
  const stats = await page
    .locator('.stats')
    .evaluate((dl) => [...dl.querySelectorAll('dt')].map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent}`));
  console.log(
    [`backend: ${await page.locator('#backend').textContent()} (${await page.locator('#device').textContent()})`, ...stats].join('\n'),
  );
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
