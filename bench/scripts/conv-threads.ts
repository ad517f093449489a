/**
 * Batch-1 convolutions of ResNet-18 on 1 and 2 threads, alternating, best of 25 each:
 * `npx tsx scripts/conv-threads.ts`. Shows whether row-band parts reach the second thread
 * (`workerParts` in the last line counts the parts the workers ran).
 */
import { cpu, setThreads } from '@tessera/backend-cpu';
import { conv2d, getBackend, init, noGrad, randn, use } from '@tessera/core';
use(cpu()); await init();
const cases: [number[], number[], number, number][] = [
  [[1, 64, 56, 56], [64, 64, 3, 3], 1, 1],
  [[1, 512, 7, 7], [512, 512, 3, 3], 1, 1],
  [[1, 3, 224, 224], [64, 3, 7, 7], 2, 3],
];
for (const [xs, ws, s, p] of cases) {
  const x = randn(xs); const w = randn(ws);
  for (const t of [1, 2, 1, 2]) {
    setThreads(t);
    let best = Infinity;
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      const y = noGrad(() => conv2d(x, w, { stride: s, padding: p }));
      y.dataSync();
      best = Math.min(best, performance.now() - t0);
      y.dispose();
    }
    console.log(`conv ${xs} ${ws} threads ${t}: min ${best.toFixed(2)} ms`);
  }
}
console.log(JSON.stringify(getBackend('cpu').info?.()));
