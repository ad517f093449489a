import { cpu } from '@tessera/backend-cpu';
import { init, randn, noGrad, tidy, use } from '@tessera/core';
import { BatchNorm2d } from '@tessera/layers';
use(cpu()); await init();
const bn = new BatchNorm2d(64); bn.eval();
const x = randn([1, 64, 112, 112]);
function time(name: string, f: () => void) {
  const ts: number[] = [];
  for (let i = 0; i < 100; i++) { const t0 = performance.now(); noGrad(() => tidy(() => { f(); })); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b); console.log(name, 'median', ts[50].toFixed(3), 'min', ts[0].toFixed(3));
}
time('bn eval', () => { bn.forward(x); });
time('add', () => { x.add(x); });
time('datasync only', () => { x.dataSync(); });
