import { describe, expect, it } from 'vitest';
import { manualSeed, tensor, use, zeros } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { decodeSafetensors, encodeSafetensors } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { CheckpointError, type FitOptions, ModelCheckpoint, TrainConfigError, decodeCheckpoint, fit } from '../src/index.js';
import { Affine, blobs, ce } from './helpers.js';
import { memoryWriter } from './memory-writer.js';

use(cpu());

/** A real checkpoint after one epoch (3 steps), then its metadata edited by `edit`. */
async function edited(edit: (meta: Record<string, unknown>) => void): Promise<Uint8Array> {
  manualSeed(0);
  const net = new Affine(2, 3);
  const mem = memoryWriter();
  await fit(net, blobs(30), { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 10, callbacks: [new ModelCheckpoint({ writer: mem.writer, monitor: 'loss' })] });
  const { tensors, metadata } = decodeSafetensors(mem.files.get('last.safetensors')!);
  const meta = JSON.parse(metadata['tessera.training']) as Record<string, unknown>;
  edit(meta);
  return encodeSafetensors(tensors, { 'tessera.training': JSON.stringify(meta) });
}

describe('malformed checkpoints and misuse of fit are clear errors (issue 19, case 5)', () => {
  const cases: [string, (m: Record<string, unknown>) => void, string][] = [
    ['epoch −1', (m) => void (m.epoch = -1), 'epoch'],
    ['epoch 1e9', (m) => void (m.epoch = 1e9), 'epoch'],
    ['batchesDone 1e9', (m) => void (m.batchesDone = 1e9), 'batchesDone'],
    ['no rng', (m) => void delete m.rng, 'rng'],
    ['rng a string', (m) => void (m.rngEpochStart = 'x'), 'rngEpochStart'],
    ['no history', (m) => void delete m.history, 'history'],
  ];
  for (const [what, edit, field] of cases) {
    it(`checkpoint metadata with ${what} is a CheckpointError naming '${field}'`, async () => {
      const bytes = await edited(edit);
      const err = await decodeCheckpoint(bytes, 'run/last.safetensors').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).field).toBe(field);
      expect((err as Error).message).toMatch(new RegExp(`^run/last\\.safetensors: training metadata field '${field}' must be`));
    });
  }

  it('a format-1 checkpoint (no metric or callback states) still loads', async () => {
    const bytes = await edited((m) => {
      m.format = 'tessera-checkpoint-1';
      delete m.metrics;
      delete m.callbacks;
    });
    const ck = await decodeCheckpoint(bytes);
    expect([ck.state.epoch, ck.state.metrics, ck.state.callbacks]).toEqual([1, {}, {}]);
    ck.dispose();
  });

  it('a checkpoint further into an epoch than the data has batches is refused by fit', async () => {
    const bytes = await edited((m) => {
      m.epoch = 0;
      m.history = { epochs: [], history: {}, stopReason: null };
      m.batchesDone = 3;
      m.step = 9;
    });
    const ck = await decodeCheckpoint(bytes);
    const net = new Affine(2, 3);
    await expect(fit(net, blobs(20), { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), batchSize: 10, resumeFrom: ck })).rejects.toThrow(
      /the checkpoint is 3 batches into epoch 1 but the data has only 2 batches per epoch/,
    );
    ck.dispose();
  });

  it('empty training data is a TrainConfigError, not a loss of null', async () => {
    const net = new Affine(2, 3);
    const empty = { x: zeros([0, 2]), y: tensor([], { dtype: 'int32' }) };
    await expect(fit(net, empty, { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }) })).rejects.toThrow(TrainConfigError);
    await expect(fit(net, [], { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }) })).rejects.toThrow(/epoch 1 had no batches: the training data is empty/);
  });

  it('the same model in two concurrent fit calls is an error; the flag is released afterwards', async () => {
    const net = new Affine(2, 3);
    const opts = { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), batchSize: 10 };
    const first = fit(net, blobs(30), opts);
    await expect(fit(net, blobs(30), opts)).rejects.toThrow(/fit: this model is already being trained by another fit call/);
    await first;
    await expect(fit(net, blobs(30), opts)).resolves.toBeDefined();
    await expect(fit(net, [], opts)).rejects.toThrow(TrainConfigError); // a failed fit releases it too
    await expect(fit(net, blobs(30), opts)).resolves.toBeDefined();
  });

  it('fit called from JavaScript without an optimizer, a loss or options names the missing option', async () => {
    const net = new Affine(2, 3);
    const js = (o: unknown) => fit(net, blobs(10), o as FitOptions);
    await expect(js({ loss: ce })).rejects.toThrow(TrainConfigError);
    await expect(js({ loss: ce })).rejects.toThrow(/^fit: option 'optimizer' is missing or is not an optimizer \(got undefined\); pass one from @tessera\/optim/);
    await expect(js({ loss: ce, optimizer: net.parameters() })).rejects.toThrow(/option 'optimizer' .*\(got an array\)/);
    await expect(js({ optimizer: new SGD(net.parameters(), { lr: 0.1 }) })).rejects.toThrow(/^fit: option 'loss' is missing or invalid \(got undefined\); pass a loss name such as 'crossEntropy'/);
    await expect(js(undefined)).rejects.toThrow(/^fit: the third argument must be an options object with at least \{ loss, optimizer \} but got undefined/);
    await expect(js({ loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }) })).resolves.toBeDefined(); // not left marked in use
  });
});
