import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { cpu } from '@tessera/backend-cpu';
import { use } from '@tessera/core';
import { decodeSafetensors, loadModel } from '@tessera/layers';
import { registerZoo } from '@tessera/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArrayPayload, type TrainingEvent, type TrainingSpec, TrainingWorkerError, startTraining } from '../src/worker.js';

// Transfer learning in a real worker thread (the built package, dist/worker.js): LeNet-5 is
// pretrained in the worker on four generated shapes, then gets a new head for three other
// shapes and trains frozen, or whole with a lower backbone rate.
const SCRIPT = fileURLToPath(new URL('./fixtures/train-worker.mjs', import.meta.url));
const SIDE = 28;
const INPUT = [1, SIDE, SIDE] as const;

/** Deterministic noise in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

type Painter = (img: Float32Array, ox: number, oy: number) => void;
const fill = (img: Float32Array, x0: number, y0: number, x1: number, y1: number): void => {
  for (let y = Math.max(0, y0); y < Math.min(SIDE, y1); y++) for (let x = Math.max(0, x0); x < Math.min(SIDE, x1); x++) img[y * SIDE + x] = 1;
};
/** Pretraining shapes: horizontal bar, vertical bar, filled square, diagonal. */
const PRETRAIN: Painter[] = [
  (i, x, y) => fill(i, x, y + 8, x + 16, y + 11),
  (i, x, y) => fill(i, x + 8, y, x + 11, y + 16),
  (i, x, y) => fill(i, x + 3, y + 3, x + 13, y + 13),
  (i, x, y) => { for (let k = 0; k < 16; k++) fill(i, x + k, y + k, x + k + 2, y + k + 2); },
];
/** The new task's shapes: a hollow square, a plus, a small dot. */
const TRANSFER: Painter[] = [
  (i, x, y) => { fill(i, x, y, x + 16, y + 2); fill(i, x, y + 14, x + 16, y + 16); fill(i, x, y, x + 2, y + 16); fill(i, x + 14, y, x + 16, y + 16); },
  (i, x, y) => { fill(i, x, y + 7, x + 16, y + 9); fill(i, x + 7, y, x + 9, y + 16); },
  (i, x, y) => fill(i, x + 6, y + 6, x + 10, y + 10),
];

/** `n` noisy images of the painters' classes in turn, at random offsets. */
function images(painters: Painter[], n: number, seed: number): { x: ArrayPayload; y: ArrayPayload } {
  const r = rng(seed);
  const x = new Float32Array(n * SIDE * SIDE);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const img = x.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE);
    y[k] = k % painters.length;
    painters[y[k]](img, Math.floor(r() * 12), Math.floor(r() * 12));
    for (let p = 0; p < img.length; p++) img[p] = Math.min(1, img[p] * 0.8 + r() * 0.3);
  }
  return { x: { data: x, shape: [n, ...INPUT] }, y: { data: y, shape: [n] } };
}

let worker: Worker;
let pretrained: Uint8Array;

const base = { optimizer: { name: 'adam', options: { lr: 3e-3 } }, loss: 'crossEntropy', batchSize: 32, seed: 5, reportEveryMs: 0 } as const;

async function run(spec: TrainingSpec): Promise<{ events: TrainingEvent[]; weights: Uint8Array; loss: readonly number[]; valAccuracy: readonly number[] }> {
  const job = startTraining(worker, spec);
  const events: TrainingEvent[] = [];
  for await (const e of job.events) events.push(e);
  const result = await job.result;
  job.close();
  return { events, weights: result.weights, loss: result.history.history.loss, valAccuracy: result.history.history.val_accuracy ?? [] };
}

const ready = (events: TrainingEvent[]): Extract<TrainingEvent, { type: 'ready' }> =>
  events.find((e): e is Extract<TrainingEvent, { type: 'ready' }> => e.type === 'ready')!;

/** A model file's tensors as plain arrays by name. */
function tensors(bytes: Uint8Array): Record<string, { shape: number[]; values: Float32Array }> {
  const d = decodeSafetensors(bytes).tensors;
  const out: Record<string, { shape: number[]; values: Float32Array }> = {};
  for (const [k, t] of Object.entries(d)) {
    out[k] = { shape: [...t.shape], values: Float32Array.from(t.dataSync()) };
    t.dispose();
  }
  return out;
}

beforeAll(async () => {
  use(cpu());
  registerZoo();
  worker = new Worker(SCRIPT);
  const r = await run({ ...base, model: { name: 'lenet5', numClasses: 4, inputShape: INPUT }, data: images(PRETRAIN, 320, 1), epochs: 3 });
  pretrained = r.weights;
  expect(r.loss.at(-1)!).toBeLessThan(r.loss[0]!);
});
afterAll(async () => {
  await worker?.terminate();
});

const newTask = (): Pick<TrainingSpec, 'data' | 'validationData'> => ({ data: images(TRANSFER, 240, 2), validationData: images(TRANSFER, 90, 3) });

describe('transfer learning in a worker thread (model: { transfer })', () => {
  it('frozen backbone: skips exactly the old head, trains the new one only, backbone bit-identical, loss goes down', async () => {
    const r = await run({
      ...base, ...newTask(), epochs: 4, optimizer: { name: 'adam', options: { lr: 1e-2 } },
      model: { transfer: { name: 'lenet5', inputShape: INPUT, numClasses: 3, backbone: pretrained, freezeBackbone: true } },
    });
    const before = tensors(pretrained);
    const after = tensors(r.weights);
    const report = ready(r.events).transfer!;
    const head = report.head;
    expect(report.skipped).toEqual([
      { name: `${head}.weight`, weightsShape: [4, 84], modelShape: [3, 84] },
      { name: `${head}.bias`, weightsShape: [4], modelShape: [3] },
    ]);
    expect(report.fresh).toEqual([]);
    expect(report.loaded).toBe(Object.keys(before).length - 2);
    expect(report.trainableParameters).toBe(84 * 3 + 3);
    expect(report.trainableParameters + report.frozenParameters).toBe(ready(r.events).parameters);
    for (const k of Object.keys(before)) {
      if (k.startsWith(`${head}.`)) continue;
      expect(after[k]!.values, k).toEqual(before[k]!.values);
    }
    expect(after[`${head}.weight`]!.shape).toEqual([3, 84]);
    expect(r.loss.at(-1)!).toBeLessThan(r.loss[0]!);
    expect(r.valAccuracy.at(-1)!).toBeGreaterThan(0.6);
    // The result is a model file of the new architecture.
    const model = loadModel(r.weights);
    expect(model.stateDict()[`${head}.bias`]!.shape).toEqual([3]);
    model.dispose();
  });

  it('fine-tunes everything with a lower backbone rate from a state dict of arrays; loss goes down, the backbone moves', async () => {
    const before = tensors(pretrained);
    const backbone = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, { data: t.values.slice(), shape: t.shape }]));
    const r = await run({
      ...base, ...newTask(), epochs: 3,
      model: { transfer: { name: 'lenet5', inputShape: INPUT, numClasses: 3, backbone, backboneLr: 1e-4 } },
    });
    const report = ready(r.events).transfer!;
    expect(report.skipped.map((s) => s.name)).toEqual([`${report.head}.weight`, `${report.head}.bias`]);
    expect(report.frozenParameters).toBe(0);
    const after = tensors(r.weights);
    const conv = Object.keys(before)[0]!;
    expect(after[conv]!.values).not.toEqual(before[conv]!.values);
    expect(r.loss.at(-1)!).toBeLessThan(r.loss[0]!);
  });

  it('a mismatch outside the head is a StateDictError naming the tensor and both shapes; bad options are ConfigErrors', async () => {
    const before = tensors(pretrained);
    const [first] = Object.keys(before);
    const wrong = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, { data: t.values.slice(), shape: t.shape }]));
    wrong[first!] = { data: new Float32Array(7), shape: [7] };
    const job = startTraining(worker, {
      ...base, ...newTask(), epochs: 1, model: { transfer: { name: 'lenet5', inputShape: INPUT, numClasses: 3, backbone: wrong } },
    });
    const err = await job.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingWorkerError);
    expect((err as TrainingWorkerError).remoteName).toBe('StateDictError');
    expect((err as Error).message).toContain(`${first}: the model has [${before[first!]!.shape.join(', ')}], the weights have [7]`);

    const both = startTraining(worker, {
      ...base, ...newTask(), epochs: 1,
      model: { transfer: { name: 'lenet5', inputShape: INPUT, numClasses: 3, backbone: pretrained, freezeBackbone: true, backboneLr: 1e-4 } },
    });
    await expect(both.result).rejects.toThrow(/ConfigError: .*freezeBackbone and backboneLr/);
    const other = startTraining(worker, {
      ...base, ...newTask(), epochs: 1, model: { transfer: { name: 'mnist-cnn', inputShape: INPUT, numClasses: 3, backbone: pretrained } },
    });
    await expect(other.result).rejects.toThrow(/StateDictError: transfer into Sequential: .*the weights have/);
  });
});
