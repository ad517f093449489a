/**
 * Dataset parse speed (Tessera only: TensorFlow.js has no IDX parser): full Fashion-MNIST
 * from Debian's gzipped IDX files (60,000 + 10,000 images, every header, size and count
 * validated) and the bundled MNIST sample. Skipped with a note where the files are absent.
 */
import { existsSync } from 'node:fs';
import { MNIST, loadDataset } from '@tessera/datasets/node';
import { fmtMs } from './table.js';
import { median } from './timing.js';

/** Debian's `dataset-fashion-mnist` package. */
const DEBIAN_FASHION = '/usr/share/datasets/fashion-mnist';

async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Markdown lines for the report: one row per dataset load, median of `runs`. */
export async function dataLoadReport(runs: number): Promise<string[]> {
  const rows: string[] = ['| load | images | median time | images/s |', '|---|---:|---:|---:|'];
  const row = (what: string, n: number, ms: number) =>
    rows.push(`| ${what} | ${n.toLocaleString('en-US')} | ${fmtMs(ms)} | ${Math.round(n / (ms / 1000)).toLocaleString('en-US')} |`);
  if (existsSync(DEBIAN_FASHION)) {
    let n = 0;
    const train = await medianMs(
      runs,
      async () => void (n = (await loadDataset('fashion-mnist', { root: DEBIAN_FASHION, split: 'train' })).length),
    );
    row(`Fashion-MNIST train (gzip IDX from ${DEBIAN_FASHION})`, n, train);
    const test = await medianMs(
      runs,
      async () => void (n = (await loadDataset('fashion-mnist', { root: DEBIAN_FASHION, split: 'test' })).length),
    );
    row('Fashion-MNIST test', n, test);
  } else {
    rows.push(`| Fashion-MNIST: skipped, ${DEBIAN_FASHION} is absent (apt-get install dataset-fashion-mnist) | | | |`);
  }
  let n = 0;
  const sample = await medianMs(
    runs,
    async () => void (n = MNIST.sample({ split: 'train' }).length + MNIST.sample({ split: 'test' }).length),
  );
  row('MNIST.sample() train + test (bundled)', n, sample);
  return rows;
}
