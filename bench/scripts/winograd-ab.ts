/**
 * Winograd vs im2col on the conv shapes of ResNet-18 (batch 1) and CIFAR ResNet-20
 * (batch 128): two CPU backend instances (winograd on and off) called in alternation,
 * per shape the min and median wall time per call of each. Forward conv and input gradient.
 * `THREADS=1 npx tsx scripts/winograd-ab.ts [runs]` (THREADS: the backends' thread count, default all cores)
 */
import { cpu } from '@tessera/backend-cpu';
import { sizeOf, type AnyKernel, type BackendImpl, type Conv2dAttrs } from '@tessera/core';

const runs = Number(process.argv[2] ?? 9);
const threads = process.env.THREADS ? Number(process.env.THREADS) : undefined;
const on = cpu({ winograd: true, name: 'cpu-wino', threads }).createSync!();
const off = cpu({ winograd: false, name: 'cpu-direct', threads }).createSync!();
const shapes: [string, number[], number][] = [
  ['r18 56² 64', [1, 64, 56, 56], 64],
  ['r18 28² 128', [1, 128, 28, 28], 128],
  ['r18 14² 256', [1, 256, 14, 14], 256],
  ['r18 7² 512', [1, 512, 7, 7], 512],
  ['r20 32² 16', [128, 16, 32, 32], 16],
  ['r20 16² 32', [128, 32, 16, 16], 32],
  ['r20 8² 64', [128, 64, 8, 8], 64],
];
const attrs: Conv2dAttrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 };
const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function timer(b: BackendImpl, op: 'conv2d' | 'conv2dBackpropInput', xs: number[], o: number) {
  const ws = [o, xs[1], 3, 3];
  const ys = [xs[0], o, xs[2], xs[3]];
  const w = { dataId: b.write(rand(sizeOf(ws)), 'float32', ws), shape: ws, dtype: 'float32' as const, size: sizeOf(ws) };
  const inShape = op === 'conv2d' ? xs : ys;
  const outShape = op === 'conv2d' ? ys : xs;
  const x = {
    dataId: b.write(rand(sizeOf(inShape)), 'float32', inShape),
    shape: inShape,
    dtype: 'float32' as const,
    size: sizeOf(inShape),
  };
  const k = b.kernels[op] as AnyKernel;
  const a = op === 'conv2d' ? attrs : { ...attrs, inputShape: xs };
  return () => {
    const t0 = performance.now();
    const id = k({ backend: b, inputs: [x, w], attrs: a, out: { shape: outShape, dtype: 'float32', size: sizeOf(outShape) } } as never);
    const dt = performance.now() - t0;
    b.free(id as never);
    return dt;
  };
}

console.log(`runs ${runs}; columns: direct min/median ms, winograd min/median ms, speed-up of the min`);
for (const op of ['conv2d', 'conv2dBackpropInput'] as const) {
  for (const [name, xs, o] of shapes) {
    const a = timer(off, op, xs, o);
    const b = timer(on, op, xs, o);
    a();
    b();
    const ta: number[] = [];
    const tb: number[] = [];
    for (let i = 0; i < runs; i++) {
      ta.push(a());
      tb.push(b());
    }
    const [ma, mb] = [Math.min(...ta), Math.min(...tb)];
    console.log(
      `${op.padEnd(20)} ${name.padEnd(12)} ${ma.toFixed(2).padStart(8)} ${median(ta).toFixed(2).padStart(8)}   ` +
        `${mb.toFixed(2).padStart(8)} ${median(tb).toFixed(2).padStart(8)}   ${(ma / mb).toFixed(2)}×`,
    );
  }
}
on.dispose?.();
off.dispose?.();
