/**
 * A focused Tessera-only timing loop for profiling one workload:
 * `npx tsx scripts/step.ts cnn-train 30` (add `node --cpu-prof --import tsx` to profile).
 * Prints the median time per step and samples/s (or GFLOP/s).
 */
import { tesseraAdapter } from '../src/adapters/tessera.js';
import { cnnData, matmulData, mlpData } from '../src/data.js';
import { median } from '../src/timing.js';
import type { Runner } from '../src/adapters/types.js';

const [id = 'cnn-train', runsArg = '20'] = process.argv.slice(2);
const runs = Number(runsArg);
const a = tesseraAdapter();
await a.init();
let runner: Runner;
let work = 100;
let unit = 'samples/s';
if (id === 'cnn-train') runner = await a.cnnTrain(cnnData(100));
else if (id === 'cnn-infer') runner = await a.cnnInfer(cnnData(100));
else if (id === 'mlp-train') {
  runner = await a.mlpTrain(mlpData(128));
  work = 128;
} else {
  const n = Number(id.split('-')[1] ?? 1024);
  runner = await a.matmul(matmulData(n));
  work = (2 * n ** 3) / 1e9;
  unit = 'GFLOP/s';
}
for (let i = 0; i < 3; i++) await runner.run();
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await runner.run();
  times.push(performance.now() - t0);
}
const ms = median(times);
console.log(`${id}: median ${ms.toFixed(2)} ms, ${((work * 1000) / ms).toFixed(1)} ${unit}`);
runner.dispose();
