import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, manualSeed, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD, StepLR } from '@tessera/optim';
import { DataLoader, TensorDataset } from '@tessera/datasets';
import { type Callback, NonFiniteLossError, TrainConfigError, evaluate, fit, predict } from '../src/index.js';
import { Affine, blobs, ce } from './helpers.js';

beforeAll(() => use(cpu()));

describe('fit / evaluate / predict', () => {
  it('trains softmax regression to high accuracy and records history', async () => {
    const data = blobs(300);
    manualSeed(1);
    const net = new Affine(2, 3);
    const history = await fit(net, data, {
      loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.5 }), epochs: 8, batchSize: 32,
      validationSplit: 0.2, metrics: ['accuracy', 'f1'],
    });
    expect(history.epochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'f1', 'loss', 'val_accuracy', 'val_f1', 'val_loss']);
    const loss = history.history.loss;
    expect(loss[7]).toBeLessThan(loss[0]);
    expect(history.history.val_accuracy[7]).toBeGreaterThan(0.95);
    // evaluate agrees with a hand computation over the same data
    const logs = await evaluate(net, data, { loss: ce, metrics: ['accuracy'], batchSize: 64 });
    const pred = await predict(net, data.x, { batchSize: 50 });
    expect(pred.shape).toEqual([300, 3]);
    tidy(() => {
      const direct = net.call(data.x);
      expect(Array.from(pred.dataSync())).toEqual(Array.from(direct.dataSync()));
      const acc = pred.argmax(1).equal(data.y).cast('float32').mean().itemSync();
      expect(logs.accuracy).toBeCloseTo(acc, 6);
      expect(logs.loss).toBeCloseTo(ce(direct, data.y).itemSync(), 5);
    });
    // Freed now, not by the finalizer in the middle of a later test's tensor counts.
    dispose([pred, data, net.parameters()]);
  });

  it('lets the event loop run between steps (signal handlers, worker messages, timers)', async () => {
    const data = blobs(300);
    const net = new Affine(2, 3);
    const pause = new Int32Array(new SharedArrayBuffer(4));
    let steps = 0;
    let ranAtStep = -1;
    const cb: Callback = {
      onTrainBegin: () => void setImmediate(() => (ranAtStep = steps)),
      // 10 ms per step (a blocking wait, like a heavy synchronous kernel): 30 steps > 50 ms.
      onBatchEnd: () => {
        Atomics.wait(pause, 0, 0, 10);
        steps++;
      },
    };
    await fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 10, callbacks: [cb] });
    expect(steps).toBe(30);
    expect(ranAtStep).toBeGreaterThan(0);
    expect(ranAtStep).toBeLessThan(30); // the macrotask ran mid-epoch, not after fit returned
    dispose([data, net.parameters()]);
  });

  it('is leak-free: the live tensor count is the same after every epoch', async () => {
    const data = blobs(90);
    const net = new Affine(2, 3);
    const counts: number[] = [];
    const probe: Callback = { onEpochEnd: () => void counts.push(memory().numTensors) };
    const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    await fit(net, data, { loss: ce, optimizer: opt, epochs: 5, batchSize: 16, metrics: ['accuracy', 'top2Accuracy', 'precision'], callbacks: [probe], validationData: data });
    expect(counts).toHaveLength(5);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[1]).toBe(counts[0]);
  });

  it('accepts a DataLoader and [x, y] batches, and steps a scheduler per epoch', async () => {
    const data = blobs(60);
    const net = new Affine(2, 3);
    const opt = new SGD(net.parameters(), { lr: 0.4 });
    const lrs: number[] = [];
    const loader = new DataLoader(new TensorDataset({ x: data.x, y: data.y }), { batchSize: 20, shuffle: true });
    await fit(net, loader, { loss: ce, optimizer: opt, epochs: 3, scheduler: new StepLR(opt, { stepSize: 1, gamma: 0.5 }), callbacks: [{ onEpochBegin: () => void lrs.push(opt.getLr()[0]) }] });
    expect(lrs).toEqual([0.4, 0.2, 0.1]);
    const pairs = [[data.x.narrow(0, 0, 30), data.y.narrow(0, 0, 30)], [data.x.narrow(0, 30, 30), data.y.narrow(0, 30, 30)]];
    const h = await fit(net, pairs, { loss: ce, optimizer: opt, epochs: 1 });
    expect(h.history.loss).toHaveLength(1);
  });

  it('clips the global gradient norm before each step', async () => {
    const data = blobs(30);
    const net = new Affine(2, 3);
    const norms: number[] = [];
    const probe: Callback = {
      onBatchEnd: () => {
        let s = 0;
        for (const p of net.parameters()) s += p.grad!.square().sum().itemSync();
        norms.push(Math.sqrt(s));
      },
    };
    await fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 10, clipGradNorm: 0.01, callbacks: [probe] });
    expect(norms).toHaveLength(3);
    for (const n of norms) expect(n).toBeLessThanOrEqual(0.01 + 1e-6);
  });

  it('stops with a NonFiniteLossError naming the step', async () => {
    const data = blobs(40);
    const net = new Affine(2, 3);
    const { NanGuard } = await import('../src/index.js');
    let calls = 0;
    const badLoss = (p: Parameters<typeof ce>[0], y: Parameters<typeof ce>[1]) => (++calls === 4 ? ce(p, y).mul(tensor(NaN)) : ce(p, y));
    const run = fit(net, data, { loss: badLoss, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 10, shuffle: false, callbacks: [new NanGuard(0)] });
    await expect(run).rejects.toThrow(NonFiniteLossError);
    await expect(run).rejects.toThrow(/step 3 \(epoch 1, batch 4\)/);
  });

  it('rejects bad configuration with typed errors', async () => {
    const data = blobs(12);
    const net = new Affine(2, 3);
    const optimizer = new SGD(net.parameters(), { lr: 0.1 });
    await expect(fit(net, data, { loss: 'nope', optimizer })).rejects.toThrow(TrainConfigError);
    await expect(fit(net, data, { loss: ce, optimizer, metrics: ['bogus'] })).rejects.toThrow(/unknown metric 'bogus'/);
    await expect(fit(net, [{ a: data.x }], { loss: ce, optimizer })).rejects.toThrow(/each batch must be \{ x, y \}/);
    await expect(fit(net, data, { loss: ce, optimizer, epochs: -1 })).rejects.toThrow(/epochs/);
  });
});

describe('compile', () => {
  it('binds a named optimizer, a named loss and metrics, Keras style', async () => {
    const { compile, lossNames } = await import('../src/index.js');
    expect(lossNames()).toContain('crossEntropy');
    const data = blobs(150);
    manualSeed(3);
    const net = new Affine(2, 3);
    const m = compile(net, { optimizer: 'sgd', optimizerOptions: { lr: 0.5 }, loss: 'crossEntropy', metrics: ['accuracy'] });
    expect(m.optimizer.getLr()).toEqual([0.5]);
    const h = await m.fit(data, { epochs: 5, batchSize: 30 });
    expect(h.history.accuracy[4]).toBeGreaterThan(0.9);
    const logs = await m.evaluate(data);
    expect(Object.keys(logs)).toEqual(['loss', 'accuracy']);
    // the named loss is the same function as a hand-written cross-entropy
    expect(logs.loss).toBeCloseTo((await evaluate(net, data, { loss: ce })).loss, 5);
    expect((await m.predict(data.x)).shape).toEqual([150, 3]);
  });
});
