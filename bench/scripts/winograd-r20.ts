/**
 * The three directions of CIFAR ResNet-20's 3×3 convs (batch 128) on the CPU backend: per
 * kernel the min wall time and the min process CPU time (all threads) per call, in ms.
 * Bundle it against two source trees to A/B a kernel change (`sh scripts/ab-convs.sh
 * BASE_COMMIT`); `THREADS=1` for one thread.
 * `npx tsx scripts/winograd-r20.ts [runs] [r18]` (`r18`: ResNet-18's 3×3 convs at batch 1 instead)
 */
import { cpu } from '@tessera/backend-cpu';
import { sizeOf, type AnyKernel, type Conv2dAttrs, type DataId } from '@tessera/core';

const runs = Number(process.argv[2] ?? 7);
const threads = process.env.THREADS ? Number(process.env.THREADS) : undefined;
const b = cpu({ winograd: true, threads }).createSync!();
const attrs: Conv2dAttrs = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 };
const rand = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const input = (shape: number[]) => {
  const dataId = b.write(rand(sizeOf(shape)), 'float32', shape);
  return { dataId, shape, dtype: 'float32' as const, size: sizeOf(shape) };
};
const ops = ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'] as const;

const layers = process.argv[3] === 'r18' ? [[1, 64, 56], [1, 128, 28], [1, 256, 14]] : [[128, 16, 32], [128, 32, 16], [128, 64, 8]];
const cells: string[] = [];
for (const [n, c, s] of layers) {
  const xs = [n, c, s, s];
  const ws = [c, c, 3, 3];
  const [x, w, dy] = [input(xs), input(ws), input(xs)];
  for (const op of ops) {
    const inputs = op === 'conv2d' ? [x, w] : op === 'conv2dBackpropInput' ? [dy, w] : [x, dy];
    const a = op === 'conv2d' ? attrs : op === 'conv2dBackpropInput' ? { ...attrs, inputShape: xs } : { ...attrs, filterShape: ws };
    const shape = op === 'conv2dBackpropFilter' ? ws : xs;
    const k = b.kernels[op] as AnyKernel;
    let [wall, cpuMs] = [Infinity, Infinity];
    for (let i = 0; i < runs + 1; i++) {
      const [t0, c0] = [performance.now(), process.cpuUsage()];
      const id = k({ backend: b, inputs, attrs: a, out: { shape, dtype: 'float32', size: sizeOf(shape) } } as never) as DataId;
      const [dt, dc] = [performance.now() - t0, process.cpuUsage(c0)];
      if (i > 0) [wall, cpuMs] = [Math.min(wall, dt), Math.min(cpuMs, (dc.user + dc.system) / 1000)];
      b.free(id);
    }
    cells.push(`${op.replace('conv2dBackprop', 'd').replace('conv2d', 'fwd')} ${c}: ${wall.toFixed(2)}/${cpuMs.toFixed(1)}`);
  }
}
console.log(cells.join('  '));
