/**
 * Fused vs composite attention on the CPU (issue 18), wall and CPU time per call: the
 * process's CPU time is the steadier number on a machine shared with other jobs.
 * `npx tsx scripts/attention-cpu.ts`; `W=0` for the TypeScript kernels. Batch 1, 8 heads × 64,
 * L = 128 and 512, no mask.
 */
import { init, use, tensor, tidy, scaledDotProductAttention, scaledDotProductAttentionDef } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
use(cpu({ wasm: process.env.W !== '0' }));
await init({ backends: ['cpu'] });
for (const L of [128, 512]) {
  const shape = [1, 8, L, 64];
  const mk = () => tensor(Float32Array.from({ length: 8 * L * 64 }, () => Math.random() * 2 - 1), { shape });
  const [q, k, v] = [mk(), mk(), mk()];
  for (const path of ['fused', 'composite']) {
    const f = () =>
      tidy(() =>
        path === 'fused'
          ? scaledDotProductAttention(q, k, v)
          : scaledDotProductAttentionDef.decompose!([q, k, v], { scale: 0.125, causal: false, mask: 'none' }),
      ).dispose();
    for (let i = 0; i < 3; i++) f();
    const n = L === 128 ? 40 : 10;
    const c0 = process.cpuUsage(); const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    const c = process.cpuUsage(c0); const t = performance.now() - t0;
    console.log(`L ${L} ${path}: wall ${(t / n).toFixed(2)} ms, cpu ${((c.user + c.system) / 1000 / n).toFixed(2)} ms`);
  }
}
process.exit(0);
