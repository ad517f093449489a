import { beforeAll, describe, expect, it } from 'vitest';
import { memory, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import { ConfigError } from '@tessera/core';
import { type Callback, TopKAccuracy, evaluate, fit } from '../src/index.js';
import { splitArrays } from '../src/data.js';
import { Affine, ce } from './helpers.js';

beforeAll(() => use(cpu()));

/** 100 examples sorted by class (0…0, 1…1, 2…2, 3…3): the last 10% would all be class 3. */
function sorted() {
  const y = Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 25));
  const x = Float32Array.from({ length: 200 }, (_, k) => (k % 2 === 0 ? y[k >> 1] : -y[k >> 1]) + 0.01 * (k % 7));
  return { x: tensor(x, { shape: [100, 2] }), y: tensor(y, { dtype: 'int32' }) };
}

describe("fit's validationSplit", () => {
  it('holds out a seeded, class-stratified share (every class, not the last rows)', async () => {
    const data = sorted();
    const a = await splitArrays(data, 0.2, 7);
    const b = await splitArrays(data, 0.2, 7);
    const c = await splitArrays(data, 0.2, 8);
    const labels = Array.from(a.val.y.dataSync());
    expect(labels).toHaveLength(20);
    for (const k of [0, 1, 2, 3]) expect(labels.filter((l) => l === k)).toHaveLength(5);
    expect(a.train.y.shape).toEqual([80]);
    expect(Array.from(b.val.x.dataSync())).toEqual(Array.from(a.val.x.dataSync()));
    expect(Array.from(c.val.x.dataSync())).not.toEqual(Array.from(a.val.x.dataSync()));
    // Each held-out row is the same example in x and y.
    const vx = a.val.x.dataSync();
    labels.forEach((l, i) => expect(Math.round(vx[2 * i])).toBe(l));
    for (const s of [a, b, c]) for (const t of [s.train.x, s.train.y, s.val.x, s.val.y]) t.dispose();
    data.x.dispose();
    data.y.dispose();
  });

  it('splits non-class targets at random, and fit frees the split copies', async () => {
    const x = tensor(Float32Array.from({ length: 40 }, (_, i) => i), { shape: [20, 2] });
    const y = tensor(Float32Array.from({ length: 20 }, (_, i) => i), { shape: [20, 1] });
    const s = await splitArrays({ x, y }, 0.25, 1);
    expect(s.val.y.shape).toEqual([5, 1]);
    expect(Array.from(s.val.y.dataSync())).not.toEqual([15, 16, 17, 18, 19]);
    for (const t of [s.train.x, s.train.y, s.val.x, s.val.y]) t.dispose();
    const data = sorted();
    const net = new Affine(2, 4);
    const before = memory().numTensors;
    const seen: number[] = [];
    const count: Callback = { onBatchEnd: (b) => void seen.push(b.size) };
    const h = await fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 100, validationSplit: 0.1, callbacks: [count] });
    expect(seen).toEqual([90]);
    expect(h.history.val_loss).toHaveLength(1);
    const grads = net.parameters().filter((p) => p.grad !== null).length; // fit leaves the last gradients
    expect(memory().numTensors).toBe(before + grads);
    await expect(fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), validationSplit: 0.1, validationData: data })).rejects.toThrow(ConfigError);
    x.dispose();
    y.dispose();
    data.x.dispose();
    data.y.dispose();
  });

  it('validates metric objects on the validation data only (not on top of the epoch\'s training batches)', async () => {
    const data = sorted();
    const val = { x: data.x.slice([0, 0], [50, 2]), y: data.y.slice([0], [50]) };
    const net = new Affine(2, 4);
    const accuracy = new TopKAccuracy(1);
    const h = await fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.5 }), epochs: 2, batchSize: 25, metrics: [accuracy], validationData: val });
    // The same weights evaluated afresh, with a new metric object.
    const fresh = await evaluate(net, val, { loss: ce, metrics: [new TopKAccuracy(1)], batchSize: 25 });
    expect(h.history.val_accuracy![1]).toBeCloseTo(fresh.accuracy!, 6);
    expect(h.history.val_loss![1]).toBeCloseTo(fresh.loss!, 5);
    for (const t of [data.x, data.y, val.x, val.y]) t.dispose();
  });
});
