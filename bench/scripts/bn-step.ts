/**
 * Training-mode batch norm forward + backward on one shape, fused op against its composite,
 * alternating in one process: `npx tsx scripts/bn-step.ts 128 16 32 32 [runs]`.
 */
import { cpu } from '@tessera/backend-cpu';
import { batchNorm, batchNormDef, gradients, init, ones, randn, tidy, use, zeros } from '@tessera/core';

const [n = 128, c = 16, h = 32, w = 32, runs = 10] = process.argv.slice(2).map(Number);
use(cpu());
await init();
const x = randn([n, c, h, w]).requiresGrad_();
const g = ones([c]).requiresGrad_();
const b = zeros([c]).requiresGrad_();
const dy = randn([n, c, h, w]);
const step = (fused: boolean) =>
  tidy(() => {
    const y = fused ? batchNorm(x, g, b) : batchNormDef.decompose!([x, g, b], { eps: 1e-5 });
    const gs = gradients(y, [x, g, b], [dy]);
    gs[0]!.dataSync();
  });
/** Process CPU time in ms (both threads; steadier than wall time on a shared machine). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const times: Record<string, { wall: number[]; cpu: number[] }> = { fused: { wall: [], cpu: [] }, composite: { wall: [], cpu: [] } };
for (let i = 0; i < runs + 2; i++) {
  for (const fused of [true, false]) {
    const [t0, c0] = [performance.now(), cpuMs()];
    step(fused);
    const t = times[fused ? 'fused' : 'composite']!;
    if (i >= 2) {
      t.wall.push(performance.now() - t0);
      t.cpu.push(cpuMs() - c0);
    }
  }
}
const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!.toFixed(2);
for (const [k, t] of Object.entries(times)) {
  console.log(`${k}: median wall ${med(t.wall)} ms, median cpu ${med(t.cpu)} ms, min wall ${Math.min(...t.wall).toFixed(2)} ms (forward ` +
    `+ backward, [${n}, ${c}, ${h}, ${w}])`);
}
