import { describe, expect, it } from 'vitest';
import { full, manualSeed, tensor, use, zeros } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import { type Callback, ModelCheckpoint, NonFiniteLossError, decodeCheckpoint, fit } from '../src/index.js';
import { Affine, blobs, ce } from './helpers.js';
import { memoryWriter } from './memory-writer.js';

use(cpu());

/** `{ x, y }` whose inputs are all NaN: every prediction is NaN. */
function nanData(n: number) {
  return { x: full([n, 2], NaN), y: tensor(Array.from({ length: n }, (_, i) => i % 3), { dtype: 'int32' }) };
}

/** A callback that sets `logs[key]` to `values[epoch]` before later callbacks see the logs. */
const scripted = (key: string, values: readonly number[]): Callback => ({
  onEpochEnd: (epoch, logs) => void (logs[key] = values[epoch]),
});

describe('a diverged run stops and is never saved as best (issue 19, case 1)', () => {
  it('fit stops by default when the loss goes NaN, naming the step and epoch', async () => {
    manualSeed(0);
    const net = new Affine(2, 3);
    const run = fit(net, nanData(30), { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 10, metrics: ['accuracy'] });
    await expect(run).rejects.toThrow(NonFiniteLossError);
    await expect(run).rejects.toThrow(/the loss became NaN or Infinity at step 0 \(epoch 1, batch 1\)|epoch 1 \(step \d+\) ended with loss NaN/);
  });

  it('with nanGuard: false, NaN predictions report accuracy 0, not 1', async () => {
    manualSeed(0);
    const net = new Affine(2, 3);
    const h = await fit(net, nanData(30), { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 2, batchSize: 10, metrics: ['accuracy', 'f1'], nanGuard: false });
    expect(h.history.accuracy).toEqual([0, 0]);
    expect(h.history.f1).toEqual([0, 0]);
  });

  it('stops when a validation value goes non-finite, before any checkpoint of that epoch', async () => {
    manualSeed(0);
    const net = new Affine(2, 3);
    const mem = memoryWriter();
    const run = fit(net, blobs(30), {
      loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 3, batchSize: 10, validationData: nanData(9),
      callbacks: [new ModelCheckpoint({ writer: mem.writer, monitor: 'loss' })],
    });
    await expect(run).rejects.toThrow(/epoch 1 \(step 3\) ended with val_loss NaN/);
    expect(mem.writes).toEqual([]);
  });

  it('ModelCheckpoint never writes NaN weights: it throws and the last good file stays', async () => {
    manualSeed(0);
    const net = new Affine(2, 3);
    const mem = memoryWriter();
    const poison: Callback = {
      onEpochEnd: (epoch) => {
        if (epoch === 1) net.loadStateDict({ weight: full([3, 2], NaN), bias: zeros([3]) });
      },
    };
    const run = fit(net, blobs(30), {
      loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 3, batchSize: 10, nanGuard: false,
      callbacks: [new ModelCheckpoint({ writer: mem.writer, monitor: 'loss' }), poison],
    });
    await expect(run).rejects.toThrow(/ModelCheckpoint: the weights hold NaN or Infinity at step 6 \(epoch 2\); last\.safetensors was not written/);
    expect(mem.writes).toEqual(['last.safetensors', 'best.safetensors']);
    const ck = await decodeCheckpoint(mem.files.get('last.safetensors')!);
    expect(ck.state.epoch).toBe(1);
    expect(Array.from(await ck.weights.weight.data()).every(Number.isFinite)).toBe(true);
    ck.dispose();
  });

  it('a non-finite monitored value is never the best', async () => {
    manualSeed(0);
    const net = new Affine(2, 3);
    const mem = memoryWriter();
    const ck = new ModelCheckpoint({ writer: mem.writer, monitor: 'score', mode: 'max', saveLast: false });
    await fit(net, blobs(30), {
      loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 4, batchSize: 10,
      callbacks: [scripted('score', [NaN, 0.5, Infinity, 0.4]), ck],
    });
    expect(mem.writes).toEqual(['best.safetensors']);
    expect([ck.best, ck.bestEpoch]).toEqual([0.5, 1]);
  });
});
