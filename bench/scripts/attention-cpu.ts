/**
 * Fused vs composite attention on the CPU (issue 18), forward and forward + backward, wall
 * and CPU time per call: the process's CPU time is the steadier number on a machine shared
 * with other jobs. `npx tsx scripts/attention-cpu.ts`; `W=0` for the TypeScript kernels;
 * `L=512` for one length. Batch 1, 8 heads × 64, no mask. The fused forward + backward is
 * scaledDotProductAttentionLse and its fused backward; the composite's is autograd through
 * matmul, softmax, matmul.
 */
import { gradients, init, use, tensor, tidy, scaledDotProductAttention, scaledDotProductAttentionDef } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
use(cpu({ wasm: process.env.W !== '0' }));
await init({ backends: ['cpu'] });
const lengths = process.env.L ? [Number(process.env.L)] : [128, 512];
for (const L of lengths) {
  const shape = [1, 8, L, 64];
  const mk = () => tensor(Float32Array.from({ length: 8 * L * 64 }, () => Math.random() * 2 - 1), { shape });
  const [q, k, v, w] = [mk(), mk(), mk(), mk()];
  for (const t of [q, k, v]) t.requiresGrad_();
  for (const mode of ['fwd', 'fwdbwd']) {
    for (const path of ['fused', 'composite']) {
      const attend = () =>
        path === 'fused'
          ? scaledDotProductAttention(q, k, v)
          : scaledDotProductAttentionDef.decompose!([q, k, v], { scale: 0.125, causal: false, mask: 'none' });
      const f = () =>
        tidy(() => {
          if (mode === 'fwd') tidy(() => attend().detach()).dataSync();
          else for (const g of gradients(attend(), [q, k, v], [w])) g.dataSync();
        });
      for (let i = 0; i < 3; i++) f();
      const n = L === 128 ? 40 : 10;
      const c0 = process.cpuUsage(); const t0 = performance.now();
      for (let i = 0; i < n; i++) f();
      const c = process.cpuUsage(c0); const t = performance.now() - t0;
      console.log(`L ${L} ${mode} ${path}: wall ${(t / n).toFixed(2)} ms, cpu ${((c.user + c.system) / 1000 / n).toFixed(2)} ms`);
    }
  }
}
process.exit(0);
