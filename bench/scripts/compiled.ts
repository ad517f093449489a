/**
 * Host cost of a WebGPU training step, eager against `compile` (device recordings), on
 * Dawn's null backend (no GPU work: what is left is JavaScript and Dawn's encoding):
 * `npx tsx scripts/compiled.ts [steps] [eager|compiled]` (add `node --cpu-prof --import tsx` to profile).
 * Prints ms per step (median of 5 blocks, wall and process CPU) and dispatches/submits per step.
 */
import * as T from '@tessera/core';
import { Parameter, type Tensor } from '@tessera/core';
import { webgpu } from '@tessera/backend-webgpu';
import { median } from '../src/timing.js';

const steps = Number(process.argv[2] ?? 200);
/** 'eager' or 'compiled' runs only that mode (for profiles). */
const only = process.argv[3];
T.use(webgpu({ nodeFlags: ['backend=null'] }));
await T.init({ backends: ['webgpu'] });
const o = { backend: 'webgpu' };

type Step = (x: Tensor, y: Tensor) => Tensor;

/** Plain SGD on `params` with assign (compilable), around a loss function. */
function sgd(params: Parameter[], loss: (x: Tensor, y: Tensor) => Tensor): Step {
  return (x, y) => {
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
    const l = loss(x, y);
    l.backward();
    T.noGrad(() => {
      for (const p of params) p.assign(p.sub(p.grad!.mul(0.01)));
    });
    return l.detach();
  };
}

const param = (shape: number[], scale: number) => new Parameter(T.tidy(() => T.randn(shape, o).mul(scale)));

function mlp(): { step: Step; x: Tensor; y: Tensor } {
  const sizes = [784, 256, 256, 10];
  const ws = sizes.slice(1).map((n, i) => param([sizes[i], n], 0.05));
  const bs = sizes.slice(1).map((n) => param([n], 0));
  const step = sgd([...ws, ...bs], (x, y) => {
    let h = x;
    ws.forEach((w, i) => {
      h = h.matmul(w).add(bs[i]);
      if (i < ws.length - 1) h = h.relu();
    });
    return T.softmaxCrossEntropy(h, y).mean();
  });
  return { step, x: T.randn([128, 784], o), y: T.randint(0, 10, [128], { ...o, dtype: 'int32' }) };
}

function cnn(): { step: Step; x: Tensor; y: Tensor } {
  const c1 = param([8, 1, 3, 3], 0.3);
  const c2 = param([16, 8, 3, 3], 0.1);
  const fc = param([16 * 5 * 5, 10], 0.05);
  const fb = param([10], 0);
  const step = sgd([c1, c2, fc, fb], (x, y) => {
    let h = T.maxPool2d(T.conv2d(x, c1).relu(), { kernelSize: 2 });
    h = T.maxPool2d(T.conv2d(h, c2).relu(), { kernelSize: 2 });
    return T.softmaxCrossEntropy(h.reshape([x.shape[0], -1]).matmul(fc).add(fb), y).mean();
  });
  return { step, x: T.randn([32, 1, 28, 28], o), y: T.randint(0, 10, [32], { ...o, dtype: 'int32' }) };
}

const counters = () => T.getBackend('webgpu').info?.() as unknown as { dispatches: number; submits: number };
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function measure(name: string, make: () => { step: Step; x: Tensor; y: Tensor }, compiled: boolean): Promise<void> {
  T.manualSeed(1);
  const { step: raw, x, y } = make();
  const step = compiled ? T.compile(raw) : raw;
  const once = () => T.tidy(() => void step(x, y));
  for (let i = 0; i < 10; i++) once();
  await T.getBackend('webgpu').sync?.();
  const c0 = counters();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let block = 0; block < 5; block++) {
    const t0 = performance.now();
    const u0 = cpuMs();
    for (let i = 0; i < steps; i++) once();
    await T.getBackend('webgpu').sync?.();
    wall.push((performance.now() - t0) / steps);
    cpu.push((cpuMs() - u0) / steps);
  }
  const c1 = counters();
  const n = 5 * steps;
  const extra = compiled ? ` deviceReplays ${(step as T.CompiledFunction<[Tensor, Tensor], Tensor>).stats.deviceReplays}` : '';
  console.log(
    `${name} ${compiled ? 'compiled' : 'eager   '}: ${median(wall).toFixed(3)} ms/step wall, ${median(cpu).toFixed(3)} ms/step cpu, ` +
      `${((c1.dispatches - c0.dispatches) / n).toFixed(1)} dispatches/step, ${((c1.submits - c0.submits) / n).toFixed(2)} ` +
        `submits/step${extra}`,
  );
  if (compiled) (step as T.CompiledFunction<[Tensor, Tensor], Tensor>).dispose();
}

for (const [name, make] of [['mlp 784-256-256-10 b128', mlp], ['cnn 1-8-16 conv3 b32   ', cnn]] as const) {
  if (only !== 'compiled') await measure(name, make, false);
  if (only !== 'eager') await measure(name, make, true);
}
process.exit(0);
