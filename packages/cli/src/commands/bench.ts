import { manualSeed, noGrad, randint, randn, tidy } from '@tessera/core';
import { crossEntropyLoss } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import type { Io } from '../io.js';
import { modelSpec } from '../models.js';

/** `tessera bench` options. */
export const benchSpec: CommandSpec = {
  name: 'bench',
  summary:
    "Quick benchmarks on this machine: matmul GFLOP/s and training/inference throughput of the zoo's MNIST models. (The repository's " +
      "`pnpm bench` also runs TensorFlow.js side by side.)",
  options: {
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
    seconds: { type: 'number', default: 1, min: 0.05, help: 'time budget per workload' },
  },
};

/** One benchmark result. */
export interface BenchRow {
  readonly workload: string;
  readonly value: number;
  readonly unit: string;
}

/** Runs `fn` repeatedly for about `seconds` (after one warm-up call) and returns the median seconds per call. */
async function timeIt(fn: () => Promise<void>, seconds: number): Promise<number> {
  await fn();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (times.length < 3 || (performance.now() < end && times.length < 1000)) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Runs `tessera bench`. */
export async function benchCommand(argv: readonly string[], io: Io): Promise<BenchRow[]> {
  const a = parseCommand(benchSpec, argv).values;
  const backend = await setupBackend(a.backend as string, io.err);
  const secs = a.seconds as number;
  manualSeed(0);
  const rows: BenchRow[] = [];
  const report = (r: BenchRow): void => {
    rows.push(r);
    io.out(`${r.workload.padEnd(40)} ${r.value.toFixed(1).padStart(10)} ${r.unit}`);
  };
  io.out(`backend: ${backend}`);
  for (const n of [256, 512]) {
    const [x, y] = [randn([n, n]), randn([n, n])];
    const t = await timeIt(async () => {
      const z = x.matmul(y);
      await z.data();
      z.dispose();
    }, secs);
    report({ workload: `matmul ${n}×${n}`, value: (2 * n ** 3) / t / 1e9, unit: 'GFLOP/s' });
    x.dispose();
    y.dispose();
  }
  for (const model of ['mlp', 'mnist-cnn']) {
    const net = modelSpec(model).build(10, [1, 28, 28]);
    const opt = new SGD(net.parameters(), { lr: 0.01 });
    const batch = 100;
    const x = randn([batch, 1, 28, 28]);
    const y = randint(0, 10, [batch]);
    const train = await timeIt(async () => {
      const loss = tidy(() => {
        opt.zeroGrad();
        const l = crossEntropyLoss(net.call(x), y);
        l.backward();
        return l.detach();
      });
      opt.step();
      await loss.data();
      loss.dispose();
    }, secs);
    report({ workload: `${model} train step (batch ${batch})`, value: batch / train, unit: 'samples/s' });
    net.eval();
    const infer = await timeIt(async () => {
      const p = noGrad(() => net.call(x));
      await p.data();
      p.dispose();
    }, secs);
    report({ workload: `${model} inference (batch ${batch})`, value: batch / infer, unit: 'samples/s' });
    opt.zeroGrad();
    opt.dispose();
    net.dispose();
    x.dispose();
    y.dispose();
  }
  return rows;
}
