import { describe, expect, it } from 'vitest';
import { tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import {
  ConfusionMatrix, CsvLogger, EarlyStopping, JsonlLogger, MacroScore, ProgressBar, TopKAccuracy, type TrainContext,
  classScores, fit, formatDuration,
} from '../src/index.js';
import { Affine, blobs, ce } from './helpers.js';

use(cpu());

const PRED = tensor([
  [0.1, 0.7, 0.2], // true 1 → rank 0
  [0.5, 0.3, 0.2], // true 2 → rank 2
  [0.2, 0.3, 0.5], // true 0 → rank 2
  [0.6, 0.1, 0.3], // true 0 → rank 0
]);
const Y = tensor([1, 2, 0, 0], { dtype: 'int32' });

describe('metrics', () => {
  it('top-k accuracy counts the true class among the k best', async () => {
    const top1 = new TopKAccuracy(1);
    const top2 = new TopKAccuracy(2);
    const top3 = new TopKAccuracy(3);
    for (const m of [top1, top2, top3]) m.update(PRED, Y);
    expect(await top1.result()).toBe(0.5);
    expect(await top2.result()).toBe(0.5);
    expect(await top3.result()).toBe(1);
    top1.update(PRED, tensor([[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 0, 0]])); // one-hot targets: all right
    expect(await top1.result()).toBe(0.75);
    top1.reset();
    expect(await top1.result()).toBe(0);
  });

  it('confusion matrix and per-class precision/recall/F1 match a hand count', async () => {
    const cm = new ConfusionMatrix();
    cm.update(PRED, Y);
    // predictions: 1, 0, 2, 0
    expect(await cm.result()).toEqual([[1, 0, 1], [0, 1, 0], [1, 0, 0]]);
    const s = classScores(await cm.result());
    expect(s[0]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(s[1]).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
    expect(s[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    const f1 = new MacroScore('f1');
    f1.update(PRED, Y);
    expect(await f1.result()).toBeCloseTo(0.5, 10);
    cm.reset();
    f1.reset();
  });
});

function fakeCtx(net: Affine): TrainContext {
  return {
    model: net, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 10, epoch: 0, step: 0, numBatches: 4,
    stopTraining: false, stopReason: null, history: { epochs: [], history: {}, stopReason: null },
    batchesDone: 0, rngEpochStart: { seed: 0, counter: 0 }, scheduler: undefined, epochLoss: async () => ({ sum: 0, count: 0 }),
    resumeState: async () => ({ metrics: {}, callbacks: {} }),
  };
}

describe('callbacks', () => {
  it('EarlyStopping stops after patience epochs and restores the best weights', () => {
    const net = new Affine(2, 3);
    const ctx = fakeCtx(net);
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    es.onTrainBegin();
    const seq = [1.0, 0.8, 0.9, 0.85];
    let bestW: number[] = [];
    seq.forEach((v, e) => {
      net.weight.assign(tensor([[e, e], [e, e], [e, e]]));
      if (e === 1) bestW = Array.from(net.weight.dataSync());
      es.onEpochEnd(e, { val_loss: v }, ctx);
    });
    expect(ctx.stopTraining).toBe(true);
    expect(es.bestEpoch).toBe(1);
    expect(es.stoppedEpoch).toBe(3);
    expect(ctx.stopReason).toMatch(/val_loss has not improved for 2 epochs/);
    es.onTrainEnd(ctx);
    expect(Array.from(net.weight.dataSync())).toEqual(bestW);
    // accuracies are maximised
    expect(new EarlyStopping({ monitor: 'val_accuracy' }).mode).toBe('max');
    expect(() => new EarlyStopping({ monitor: 'nope' }).onEpochEnd(0, { loss: 1 }, ctx)).toThrow(/monitor 'nope'/);
  });

  it('EarlyStopping ends fit early and history says why', async () => {
    const data = blobs(30);
    const net = new Affine(2, 3);
    // lr 0 never improves the loss: stops after `patience` epochs without improvement
    const h = await fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0 }), epochs: 10, callbacks: [new EarlyStopping({ monitor: 'loss', patience: 1 })] });
    expect(h.epochs).toEqual([0, 1]);
    expect(h.stopReason).toMatch(/early stopping/);
  });

  it('progress: one line per epoch off a TTY, a redrawn bar on one', async () => {
    const data = blobs(30);
    const net = new Affine(2, 3);
    const out: string[] = [];
    const stream = { write: (s: string) => void out.push(s) };
    await fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 10, metrics: ['accuracy'], callbacks: [new ProgressBar({ stream, mode: 'epoch' })] });
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^Epoch 1\/2 · \d+\.\ds · \d+ samples\/s · loss \d\.\d{4} · accuracy \d\.\d{4}\n$/);
    out.length = 0;
    const tty = { write: (s: string) => void out.push(s), isTTY: true };
    await fit(net, data, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 10, callbacks: [new ProgressBar({ stream: tty, mode: 'bar', refreshMs: 0 })] });
    expect(out.length).toBe(4); // three bar redraws + the epoch line
    expect(out[2]).toMatch(/\[=+>?\s*\] 3\/3 · loss \d\.\d{4} · \d+ samples\/s · ETA 0:00/);
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('JSONL and CSV loggers write one record per epoch', async () => {
    const data = blobs(30);
    const net = new Affine(2, 3);
    const jsonl: string[] = [];
    const csv: string[] = [];
    await fit(net, data, {
      loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 10, metrics: ['accuracy'],
      callbacks: [new JsonlLogger((l) => void jsonl.push(l)), new CsvLogger((l) => void csv.push(l))],
    });
    const recs = jsonl.map((l) => JSON.parse(l) as Record<string, number>);
    expect(recs.map((r) => [r.epoch, r.step, r.lr])).toEqual([[1, 3, 0.1], [2, 6, 0.1]]);
    expect(recs[1].loss).toBeTypeOf('number');
    expect(csv[0]).toBe('epoch,step,lr,loss,accuracy,time');
    expect(csv).toHaveLength(3);
    expect(csv[2].split(',')[0]).toBe('2');
  });
});
