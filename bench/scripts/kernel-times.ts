/**
 * Per-kernel time of one workload on Tessera's CPU backend (kernel name + input shapes),
 * by wrapping every kernel of the backend (process CPU time, not wall time): `npx tsx scripts/kernel-times.ts cnn-train 10`.
 */
import { cpu } from '@tessera/backend-cpu';
import type { AnyKernel, BackendPlugin } from '@tessera/core';
import { tesseraAdapter } from '../src/adapters/tessera.js';
import { cnnData, mlpData } from '../src/data.js';

const [id = 'cnn-train', runsArg = '10'] = process.argv.slice(2);
const runs = Number(runsArg);
const plugin = cpu();
const impl = plugin.createSync!();
/** Process CPU time in ms: on a machine shared with other jobs it is steadier than wall time. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const totals = new Map<string, { ms: number; calls: number; min: number }>();
let on = false;
const kernels = impl.kernels as Record<string, AnyKernel>;
for (const [name, k] of Object.entries(kernels)) {
  kernels[name] = ((ctx: Parameters<AnyKernel>[0]) => {
    const t0 = cpuMs();
    const r = k(ctx);
    if (on) {
      const key = `${name} ${ctx.inputs.map((t) => `[${t.shape.join(',')}]`).join(' ')}`;
      const e = totals.get(key) ?? { ms: 0, calls: 0, min: Infinity };
      const dt = cpuMs() - t0;
      e.ms += dt;
      e.min = Math.min(e.min, dt);
      e.calls++;
      totals.set(key, e);
    }
    return r;
  }) as AnyKernel;
}
const wrapped: BackendPlugin = { ...plugin, create: async () => impl, createSync: () => impl };
const a = tesseraAdapter();
(a as { init: () => Promise<void> }).init = async () => {
  const core = await import('@tessera/core');
  core.use(wrapped);
  await core.init();
};
await a.init();
const runner =
  id === 'mlp-train'
    ? await a.mlpTrain!(mlpData(128))
    : id === 'cnn-infer'
    ? await a.cnnInfer!(cnnData(100))
    : await a.cnnTrain!(cnnData(100));
for (let i = 0; i < 3; i++) await runner.run();
on = true;
const t0 = cpuMs();
for (let i = 0; i < runs; i++) await runner.run();
const total = (cpuMs() - t0) / runs;
let kernelTotal = 0;
const rows = [...totals].sort((x, y) => y[1].ms - x[1].ms);
for (const [, e] of rows) kernelTotal += e.ms / runs;
console.log(`${id}: ${total.toFixed(2)} ms per step, kernels ${kernelTotal.toFixed(2)} ms`);
console.log('  mean ms   min ms  calls/step  kernel');
for (const [key, e] of rows.slice(0, 40))
  console.log(`${(e.ms / runs).toFixed(2).padStart(8)} ${e.min.toFixed(2).padStart(8)}  ×${e.calls / runs}  ${key}`);
runner.dispose();
