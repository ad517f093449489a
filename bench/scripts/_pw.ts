import { cpu } from '@tessera/backend-cpu';
import { init, randn, noGrad, tidy, use, conv2d } from '@tessera/core';
use(cpu({ threads: 1 })); await init();
function time(name: string, f: () => void) {
  const ts: number[] = [];
  for (let i = 0; i < 25; i++) { const c0 = process.cpuUsage(); noGrad(() => tidy(() => { f(); })); const c = process.cpuUsage(c0); ts.push((c.user + c.system) / 1000); }
  ts.sort((a, b) => a - b); return `${name} min ${ts[0].toFixed(2)} med ${ts[12].toFixed(2)}`;
}
const out: string[] = [];
for (const [n, ci, hw, co] of [[1, 256, 56, 64], [1, 64, 56, 256], [4, 512, 28, 128], [1, 1024, 14, 256]] as const) {
  const x = randn([n, ci, hw, hw]); const w = randn([co, ci, 1, 1]);
  out.push(time(`1x1 ${n}x${ci}x${hw}² →${co}`, () => { conv2d(x, w); }));
}
console.log(out.join('\n'));
