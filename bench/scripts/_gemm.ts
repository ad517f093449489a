import { cpu } from '@tessera/backend-cpu';
import { init, randn, noGrad, tidy, use, conv2d } from '@tessera/core';
use(cpu({ threads: Number(process.env.T ?? 1) })); await init();
function time(name: string, flops: number, f: () => void) {
  const ts: number[] = [];
  for (let i = 0; i < 30; i++) { const c0 = process.cpuUsage(); noGrad(() => tidy(() => { f(); })); const c = process.cpuUsage(c0); ts.push((c.user + c.system) / 1000); }
  ts.sort((a, b) => a - b); console.log(name.padEnd(28), 'min', ts[0].toFixed(2), 'med', ts[15].toFixed(2), 'GFLOP/s(min)', (flops / ts[0] / 1e6).toFixed(1));
}
for (const n of [256, 512, 1024]) { const a = randn([n, n]); const b = randn([n, n]); time(`matmul ${n}`, 2 * n ** 3, () => { a.matmul(b); }); }
const cases: [number, number, number, number, number][] = [[64, 56, 64, 3, 1], [128, 28, 128, 3, 1], [256, 14, 256, 3, 1], [512, 7, 512, 3, 1], [3, 224, 64, 7, 2], [64, 56, 128, 1, 2]];
for (const [ci, hw, co, k, s] of cases) {
  const x = randn([1, ci, hw, hw]); const w = randn([co, ci, k, k]); const p = (k - 1) >> 1; const ho = Math.floor((hw + 2 * p - k) / s) + 1;
  time(`conv ${ci}->${co} ${hw}² k${k}/s${s}`, 2 * co * ci * k * k * ho * ho, () => { conv2d(x, w, { stride: s, padding: p }); });
}
