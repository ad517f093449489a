/**
 * Launching Debian's Chromium with playwright-core (never a downloaded browser), and the
 * flags measured to work here: WebGPU compute on SwiftShader's Vulkan driver.
 */
import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';

/** Debian's chromium package. */
export const CHROMIUM = '/usr/bin/chromium';
/** SwiftShader's Vulkan driver, shipped by the same package. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const FLAGS = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic', '--enable-unsafe-webgpu',
];

/** Why the browser test cannot run here, or null. */
export function browserUnavailable(dist: string): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium is not installed at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium libvulkan1)`;
  if (!existsSync(`${dist}/index.html`)) return `the page is not built (${dist}/index.html is missing; run pnpm --filter playground build)`;
  return null;
}

/** Starts headless Chromium (WebGPU on SwiftShader when no GPU driver is chosen). */
export function launch(): Promise<Browser> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** Collects console errors, uncaught page errors and failed requests of a page. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
  return errors;
}

/** Reads a number from a data attribute (NaN when absent). */
export async function dataNumber(page: Page, selector: string, key: string): Promise<number> {
  return Number(await page.locator(selector).getAttribute(`data-${key}`));
}

/** Draws a stroke through the given points (fractions of the element's size) with the mouse. */
export async function stroke(page: Page, selector: string, points: readonly (readonly [number, number])[]): Promise<void> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`stroke: ${selector} is not visible`);
  const at = ([fx, fy]: readonly [number, number]): [number, number] => [box.x + fx * box.width, box.y + fy * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 6 });
  await page.mouse.up();
}
