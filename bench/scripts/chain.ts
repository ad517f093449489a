/**
 * Small-op overhead (issue 9): a chain of 100 elementwise ops (add, mul alternating) on a
 * 1 000-element float32 tensor, inside tidy, read back once. `npx tsx scripts/chain.ts`;
 * `W=0` for the TypeScript kernels. Prints the median and min of 200 chains.
 */
import { init, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
use(cpu({ wasm: process.env.W !== '0' }));
await init();
const x = tensor(Float32Array.from({ length: 1000 }, (_, i) => i / 1000));
const run = () => tidy(() => { let y = x; for (let i = 0; i < 100; i++) y = i % 2 ? y.mul(1.0001) : y.add(0.5); return y.dataSync()[0]; });
for (let i = 0; i < 50; i++) run();
const ts: number[] = [];
for (let i = 0; i < 200; i++) { const t = performance.now(); run(); ts.push(performance.now() - t); }
ts.sort((a, b) => a - b);
console.log(
  `W=${process.env.W ?? 1} chain of 100 elementwise ops on 1000 floats: median ${ts[100].toFixed(3)} ms, min ${ts[0].toFixed(3)} ms`,
);
