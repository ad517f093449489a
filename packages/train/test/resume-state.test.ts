import { describe, expect, it } from 'vitest';
import { manualSeed, randint, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import { type Callback, type Checkpoint, EarlyStopping, ModelCheckpoint, type History, decodeCheckpoint, fit } from '../src/index.js';
import { Affine, blobs, ce } from './helpers.js';
import { memoryWriter } from './memory-writer.js';

use(cpu());

const scripted = (key: string, values: readonly number[]): Callback => ({
  onEpochEnd: (epoch, logs) => void (logs[key] = values[epoch]),
});

/** Blobs with random labels: accuracy stays well below 1, so a partial epoch shows. */
function noisy(n: number) {
  const { x } = blobs(n, 3);
  manualSeed(4);
  return { x, y: randint(0, 3, [n]).cast('int32') };
}

/** Trains a fresh seeded model; `stopAtStep` stops there after `ModelCheckpoint.saveAtBatch`. */
async function run(opts: { epochs: number; callbacks?: Callback[]; resumeFrom?: Checkpoint; stopAtStep?: number }): Promise<{ h: History; files: Map<string, Uint8Array> }> {
  manualSeed(1);
  const net = new Affine(2, 3);
  const mem = memoryWriter();
  const ck = new ModelCheckpoint({ writer: mem.writer, monitor: 'loss', saveBest: false });
  const stop: Callback = {
    onBatchEnd: async (_i, ctx) => {
      if (ctx.step !== opts.stopAtStep) return;
      await ck.saveAtBatch(ctx);
      ctx.stopTraining = true;
    },
  };
  const h = await fit(net, noisy(60), {
    loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.05 }), epochs: opts.epochs, batchSize: 10, metrics: ['accuracy', 'f1'],
    callbacks: [...(opts.callbacks ?? []), stop, ck], resumeFrom: opts.resumeFrom,
  });
  return { h, files: mem.files };
}

describe('resume restores what callbacks and metrics hold (issue 19, case 2)', () => {
  it('an epoch resumed mid-way reports the training accuracy and F1 of an uninterrupted run', async () => {
    const full = await run({ epochs: 3 });
    const stopped = await run({ epochs: 3, stopAtStep: 8 }); // epoch 2, after batch 3 of 6
    const ck = await decodeCheckpoint(stopped.files.get('last.safetensors')!);
    expect([ck.state.epoch, ck.state.batchesDone]).toEqual([1, 3]);
    expect(Object.keys(ck.state.metrics)).toEqual(['accuracy', 'f1']);
    const resumed = await run({ epochs: 3, resumeFrom: ck });
    ck.dispose();
    expect(resumed.h.history.accuracy).toEqual(full.h.history.accuracy);
    expect(resumed.h.history.f1).toEqual(full.h.history.f1);
    expect(resumed.h.history.loss).toEqual(full.h.history.loss);
  });

  it('ModelCheckpoint keeps its best value and epoch across a resume: a worse epoch does not replace best', async () => {
    const scores = [0.9, 0.95, 0.5];
    manualSeed(1);
    const net = new Affine(2, 3);
    const mem = memoryWriter();
    const opts = { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.05 }), batchSize: 10 };
    await fit(net, blobs(30), { ...opts, epochs: 2, callbacks: [scripted('score', scores), new ModelCheckpoint({ writer: mem.writer, monitor: 'score', mode: 'max' })] });
    const ck = await decodeCheckpoint(mem.files.get('last.safetensors')!);
    expect(ck.state.callbacks.ModelCheckpoint).toEqual({ best: 0.95, bestEpoch: 1 });
    mem.writes.length = 0;
    const again = new ModelCheckpoint({ writer: mem.writer, monitor: 'score', mode: 'max' });
    await fit(net, blobs(30), { ...opts, epochs: 3, resumeFrom: ck, callbacks: [scripted('score', scores), again] });
    ck.dispose();
    expect(mem.writes).toEqual(['last.safetensors']);
    expect([again.best, again.bestEpoch]).toEqual([0.95, 1]);
  });

  it('EarlyStopping keeps its counters across a resume and stops where an uninterrupted run would', async () => {
    const scores = [0.9, 0.5, 0.5, 0.95, 0.96];
    manualSeed(1);
    const net = new Affine(2, 3);
    const mem = memoryWriter();
    const opts = { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.05 }), batchSize: 10 };
    const es = () => new EarlyStopping({ monitor: 'score', mode: 'max', patience: 2 });
    await fit(net, blobs(30), { ...opts, epochs: 2, callbacks: [scripted('score', scores), es(), new ModelCheckpoint({ writer: mem.writer, monitor: 'score' })] });
    const ck = await decodeCheckpoint(mem.files.get('last.safetensors')!);
    expect(ck.state.callbacks.EarlyStopping).toEqual({ best: 0.9, bestEpoch: 0, wait: 1, stoppedEpoch: -1 });
    const stopper = es();
    const h = await fit(net, blobs(30), { ...opts, epochs: 5, resumeFrom: ck, callbacks: [scripted('score', scores), stopper, new ModelCheckpoint({ writer: mem.writer, monitor: 'score' })] });
    ck.dispose();
    expect(h.epochs).toEqual([0, 1, 2]);
    expect(stopper.stoppedEpoch).toBe(2);
    expect(h.stopReason).toMatch(/has not improved for 2 epochs \(best 0\.90000 at epoch 1\)/);
  });
});
