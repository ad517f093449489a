/**
 * A focused Tessera-only timing loop for profiling one workload:
 * `npx tsx scripts/step.ts cnn-train 30` (add `node --cpu-prof --import tsx` to profile); also
 * matmul-N and the attention rows (`attention-512-fwdbwd`, …).
 * Prints the median wall and CPU time per step and samples/s (or GFLOP/s).
 */
import { tesseraAdapter } from '../src/adapters/tessera.js';
import { cnnData, matmulData, mlpData } from '../src/data.js';
import { median } from '../src/timing.js';
import type { Runner } from '../src/adapters/types.js';
import { attentionWorkloads } from '../src/workloads/attention.js';

const [id = 'cnn-train', runsArg = '20'] = process.argv.slice(2);
const runs = Number(runsArg);
const a = tesseraAdapter();
await a.init();
let runner: Runner;
let work = 100;
let unit = 'samples/s';
if (id === 'cnn-train') runner = await a.cnnTrain!(cnnData(100));
else if (id === 'cnn-infer') runner = await a.cnnInfer!(cnnData(100));
else if (id.startsWith('attention-')) {
  // attention-L-fwd[bwd][-composite]: the bench row itself (throughput as GFLOP/s per ms).
  const w = attentionWorkloads().find((x) => x.id === id);
  if (!w) throw new Error(`step: no workload ${id}`);
  runner = await w.prepare(a)!;
  work = w.throughput(1000);
  unit = 'GFLOP/s';
} else if (id === 'mlp-train') {
  runner = await a.mlpTrain!(mlpData(128));
  work = 128;
} else {
  const n = Number(id.split('-')[1] ?? 1024);
  runner = await a.matmul!(matmulData(n));
  work = (2 * n ** 3) / 1e9;
  unit = 'GFLOP/s';
}
for (let i = 0; i < 3; i++) await runner.run();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c0 = cpuMs();
  await runner.run();
  cpu.push(cpuMs() - c0);
  wall.push(performance.now() - t0);
}
// On a machine shared with other jobs, wall time includes time spent descheduled; process
// CPU time does not (it does include GC helper threads), so both are printed.
const rate = (ms: number) => `${((work * 1000) / ms).toFixed(1)} ${unit}`;
const [w, c] = [median(wall), median(cpu)];
console.log(`${id}: median wall ${w.toFixed(2)} ms (${rate(w)}), median cpu ${c.toFixed(2)} ms (${rate(c)}), min wall ` +
  `${Math.min(...wall).toFixed(2)} ms (${rate(Math.min(...wall))})`);
runner.dispose();
