import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { cpu } from '@tessera/backend-cpu';
import { type Tensor, manualSeed, randn, tensor, use } from '@tessera/core';
import { loadModel, readSafetensorsHeader } from '@tessera/layers';
import { mlp, registerZoo } from '@tessera/models';
import { optimizer } from '@tessera/optim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fit } from '../src/index.js';
import { type ArrayPayload, type TrainingEvent, type TrainingSpec, TrainingWorkerError, startTraining } from '../src/worker.js';

// Real worker threads running the built package (dist/worker.js), driven through the host API.
const SCRIPT = fileURLToPath(new URL('./fixtures/train-worker.mjs', import.meta.url));

let worker: Worker;
let x: Tensor, y: Tensor, xs: Float32Array, ys: Int32Array;

beforeAll(async () => {
  use(cpu());
  registerZoo();
  manualSeed(7);
  // Three separable classes in 4 dimensions, 240 examples.
  const labels = Int32Array.from({ length: 240 }, (_, i) => i % 3);
  const centres = [[2, 0, 0, 1], [-2, 2, 0, 0], [0, -2, 2, -1]];
  x = tensor(Array.from(labels, (l) => centres[l])).add(randn([240, 4]));
  y = tensor(labels, { dtype: 'int32' });
  xs = Float32Array.from(await x.data());
  ys = labels;
  worker = new Worker(SCRIPT);
});
afterAll(async () => {
  await worker?.terminate();
});

const MLP = { type: 'mlp', args: [{ inFeatures: 4, hidden: [16], outFeatures: 3 }] };

function spec(over: Partial<TrainingSpec> = {}): TrainingSpec {
  return {
    model: { config: MLP }, data: { x: { data: xs.slice(), shape: [240, 4] }, y: { data: ys.slice(), shape: [240] } },
    validationSplit: 0.25, optimizer: { name: 'adam', options: { lr: 0.01 } }, loss: 'crossEntropy', epochs: 3, batchSize: 16, seed: 3, reportEveryMs: 0,
    ...over,
  };
}

async function collect(events: AsyncIterable<TrainingEvent>): Promise<TrainingEvent[]> {
  const out: TrainingEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Resolves with the first event that satisfies `pred` (from the job's start). */
async function until<T extends TrainingEvent>(events: AsyncIterable<TrainingEvent>, pred: (e: TrainingEvent) => e is T): Promise<T>;
async function until(events: AsyncIterable<TrainingEvent>, pred: (e: TrainingEvent) => boolean): Promise<TrainingEvent>;
async function until(events: AsyncIterable<TrainingEvent>, pred: (e: TrainingEvent) => boolean): Promise<TrainingEvent> {
  for await (const e of events) if (pred(e)) return e;
  throw new Error('the job ended before the awaited event');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('fit in a worker thread', () => {
  it('streams ready, epochs, progress and validation in order, and returns the weights an in-process fit with the same seed gives', async () => {
    const job = startTraining(worker, spec());
    const events = await collect(job.events);
    const result = await job.result;

    expect(events[0].type).toBe('ready');
    const ready = events[0] as Extract<TrainingEvent, { type: 'ready' }>;
    expect(ready).toMatchObject({ backend: 'cpu', parameters: 4 * 16 + 16 + 16 * 3 + 3, trainExamples: 180, validationExamples: 60, stepsPerEpoch: 12 });
    expect(events.at(-1)?.type).toBe('done');
    expect(events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state)).toEqual(['training', 'done']);
    // epochBegin n, progress × 12 (one per batch: reportEveryMs 0), validation n, epochEnd n (with the val_ logs), for n = 0, 1, 2.
    const shape = events.filter((e) => e.type !== 'state').slice(1, -1).map((e) => `${e.type}:${'epoch' in e ? e.epoch : ''}`);
    const perEpoch = (n: number): string[] => [`epochBegin:${n}`, ...Array(12).fill(`progress:${n}`), `validation:${n}`, `epochEnd:${n}`];
    expect(shape).toEqual([...perEpoch(0), ...perEpoch(1), ...perEpoch(2)]);
    const progress = events.filter((e): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress');
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: 36 }, (_, i) => i + 1));
    expect(progress.map((p) => p.seen).slice(0, 12)).toEqual([16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 180]);
    for (const p of progress) {
      expect(p.samplesPerSec).toBeGreaterThan(0);
      expect(p.metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(p.metrics.accuracy).toBeLessThanOrEqual(1);
      expect(p.memory.numTensors).toBeGreaterThan(0);
    }

    // The same run in this process: same seed, same model, same split, same optimizer.
    manualSeed(3);
    const net = mlp({ inFeatures: 4, hidden: [16], outFeatures: 3 });
    const history = await fit(net, { x, y }, {
      loss: 'crossEntropy', optimizer: optimizer('adam', net.parameters(), { lr: 0.01 }), epochs: 3, batchSize: 16, validationSplit: 0.25, validationSeed: 3, metrics: ['accuracy'],
    });
    expect(result.history.history).toEqual(history.history);
    expect(result.stopped).toBe(false);
    expect(result.steps).toBe(36);
    // The window means of the progress events average to the epoch's loss.
    const epoch0 = progress.slice(0, 12);
    const mean = epoch0.reduce((s, p, i) => s + p.loss * (i === 11 ? 4 : 16), 0) / 180;
    expect(mean).toBeCloseTo(history.history.loss[0], 5);
    const trained = loadModel(result.weights);
    const want = net.stateDict();
    for (const [k, t] of Object.entries(trained.stateDict())) expect(Array.from(await t.data())).toEqual(Array.from(await want[k].data()));
    expect(history.history.val_accuracy[2]).toBeGreaterThan(0.8);

    // The finished job still predicts (eval mode) and snapshots, until closed.
    const out = await job.predict({ data: xs.slice(0, 8), shape: [2, 4] });
    expect(out.shape).toEqual([2, 3]);
    const local = await net.call(tensor(xs.slice(0, 8), { shape: [2, 4] })).data();
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(local[i], 5));
    const snap = await job.snapshot({ note: 'hello' });
    expect(readSafetensorsHeader(snap).metadata).toMatchObject({ note: 'hello', format: 'pt' });
    job.close();
    await expect(job.predict({ data: xs.slice(0, 4), shape: [1, 4] })).rejects.toThrow(/closed/);
  });

  it('pause really pauses (no step while paused), resume goes on, stop ends early and still returns the weights', async () => {
    const job = startTraining(worker, spec({ epochs: 100_000, validationSplit: undefined }));
    await until(job.events, (e) => e.type === 'progress' && e.step >= 5);
    job.pause();
    const paused = await until(job.events, (e) => e.type === 'state' && e.state === 'paused');
    const stepsAtPause = (paused as { step: number }).step;
    const progressAt = (): number => [...seen].filter((e) => e.type === 'progress').length;
    const seen: TrainingEvent[] = [];
    job.on((e) => seen.push(e));
    await sleep(400);
    expect(progressAt()).toBe(0);
    // The paused job answers requests.
    const probs = await job.predict({ data: xs.slice(0, 4), shape: [1, 4] });
    expect(probs.data.length).toBe(3);
    expect(progressAt()).toBe(0);
    job.resume();
    const resumed = await until(job.events, (e) => e.type === 'progress' && e.step > stepsAtPause);
    expect((resumed as { step: number }).step).toBe(stepsAtPause + 1);
    const result = await job.stop();
    expect(result.stopped).toBe(true);
    expect(result.history.stopReason).toBe('stopped by the host');
    expect(result.steps).toBeGreaterThan(stepsAtPause);
    expect(result.steps).toBeLessThan(100_000 * 15);
    const model = loadModel(result.weights);
    expect(model.numParameters()).toBe(4 * 16 + 16 + 16 * 3 + 3);
    const events = await collect(job.events);
    expect(events.at(-1)?.type).toBe('done');
    expect(events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state)).toEqual(['training', 'paused', 'training', 'stopping', 'done']);
  });

  it('starts paused after validating the untrained model, and sets the learning rate live', async () => {
    const job = startTraining(worker, spec({ startPaused: true, validateAtStart: true, sampleExamples: 5, epochs: 1 }));
    const first = await until(job.events, (e) => e.type === 'state');
    expect(first).toMatchObject({ state: 'paused', step: 0 });
    const log: TrainingEvent[] = [];
    job.on((e) => log.push(e));
    await sleep(300);
    expect(log).toEqual([]); // nothing trains before resume()
    job.setLr(0.05);
    job.resume();
    const result = await job.result;
    const all = await collect(job.events);
    const ready = all[0] as Extract<TrainingEvent, { type: 'ready' }>;
    expect(ready.samples?.x.shape).toEqual([5, 4]);
    expect(ready.samples?.y.data).toBeInstanceOf(Int32Array);
    expect(all.map((e) => e.type).slice(0, 3)).toEqual(['ready', 'validation', 'state']);
    expect(result.steps).toBe(12);
    expect(log.some((e) => e.type === 'progress')).toBe(true);
  });

  it('an error inside the worker reaches the caller as a TrainingWorkerError with its message', async () => {
    const unknown = startTraining(worker, spec({ model: { name: 'no-such-net', numClasses: 3, inputShape: [1, 2, 2] } }));
    const err = await unknown.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingWorkerError);
    expect((err as TrainingWorkerError).remoteName).toBe('ConfigError');
    expect((err as Error).message).toMatch(/unknown model 'no-such-net'; known models: .*mlp/);
    await expect(collect(unknown.events)).rejects.toBeInstanceOf(TrainingWorkerError);

    // Five features into a model made for four: the first step fails with the layer's message.
    const wide: ArrayPayload = { data: new Float32Array(240 * 5), shape: [240, 5] };
    const shape = startTraining(worker, spec({ data: { x: wide, y: { data: ys.slice(), shape: [240] } } }));
    await expect(shape.result).rejects.toThrow(/ShapeError: .*Linear/);

    // The worker is still usable, and a second job while one trains is refused.
    const long = startTraining(worker, spec({ epochs: 100_000, validationSplit: undefined }));
    await until(long.events, (e) => e.type === 'progress');
    const busy = startTraining(worker, spec());
    await expect(busy.result).rejects.toThrow(/TrainingBusyError: job \d+ is still training/);
    expect((await long.stop()).stopped).toBe(true);
  });

  it('trains on a registered dataset the worker loads itself (the bundled MNIST sample)', async () => {
    const job = startTraining(worker, {
      model: { name: 'mlp', numClasses: 10, inputShape: [1, 28, 28] },
      data: { dataset: 'mnist-sample', limit: 400 }, validationData: { dataset: 'mnist-sample', split: 'test', limit: 100 },
      optimizer: { name: 'sgd', options: { lr: 0.1 } }, loss: 'crossEntropy', epochs: 1, batchSize: 50, sampleExamples: 3,
    });
    const events = await collect(job.events);
    const ready = events[0] as Extract<TrainingEvent, { type: 'ready' }>;
    expect(ready).toMatchObject({ trainExamples: 400, validationExamples: 100, stepsPerEpoch: 8 });
    expect(ready.samples?.x.shape).toEqual([3, 1, 28, 28]);
    const val = events.find((e) => e.type === 'validation') as Extract<TrainingEvent, { type: 'validation' }>;
    expect(Object.keys(val.logs).sort()).toEqual(['accuracy', 'loss']);
    const result = await job.result;
    expect(result.seen).toBe(400);
    expect(result.history.history.val_loss).toHaveLength(1);
  });
});

describe('the worker as a whole failing', () => {
  it('rejects the running job when the worker dies', async () => {
    const w = new Worker(SCRIPT);
    const job = startTraining(w, spec({ epochs: 100_000 }));
    await until(job.events, (e) => e.type === 'progress');
    await w.terminate();
    const err = await job.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingWorkerError);
    expect((err as Error).message).toMatch(/the worker exited/);
  });
});
