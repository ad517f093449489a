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
    const gs = gradients(y.mul(dy).sum(), [x, g, b]);
    gs[0]!.dataSync();
  });
const times: Record<string, number[]> = { fused: [], composite: [] };
for (let i = 0; i < runs + 2; i++) {
  for (const fused of [true, false]) {
    const t0 = performance.now();
    step(fused);
    if (i >= 2) times[fused ? 'fused' : 'composite']!.push(performance.now() - t0);
  }
}
for (const [k, v] of Object.entries(times)) {
  v.sort((p, q) => p - q);
  console.log(`${k}: median ${v[v.length >> 1]!.toFixed(2)} ms, min ${v[0]!.toFixed(2)} ms (forward + backward, [${n}, ${c}, ${h}, ${w}])`);
}
