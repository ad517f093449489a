import { describe, expect, it } from 'vitest';
import { manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm1d, Linear, MODEL_CONFIG_KEY, ModelFileError, ReLU, Sequential, readModelConfig } from '@tessera/layers';
import { SGD } from '@tessera/optim';
import { ModelCheckpoint, fit, loadCheckpointModel } from '../src/index.js';
import { Affine, blobs, ce } from './helpers.js';
import { memoryWriter } from './memory-writer.js';

use(cpu());

describe('self-describing training checkpoints', () => {
  it('a checkpoint of a model built from the layers rebuilds it, weights and running statistics included, with the metadata the writer added', async () => {
    manualSeed(2);
    const net = new Sequential(new Linear(2, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));
    const mem = memoryWriter();
    const ck = new ModelCheckpoint({ writer: mem.writer, monitor: 'loss', metadata: { 'tessera.run': '{"dataset":"blobs"}' } });
    await fit(net, blobs(30), { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 }), epochs: 2, batchSize: 10, callbacks: [ck] });
    const bytes = mem.files.get('last.safetensors')!;
    expect(readModelConfig(bytes).type).toBe('Sequential');
    const { model, metadata } = await loadCheckpointModel(bytes, 'last.safetensors');
    expect(metadata['tessera.run']).toBe('{"dataset":"blobs"}');
    net.eval();
    model.eval();
    const x = randn([5, 2]);
    const want = Array.from(net.call(x).dataSync());
    const got = Array.from((model.call(x) as ReturnType<typeof net.call>).dataSync());
    expect(got).toEqual(want);
    // The running statistics moved during training and came back too.
    expect(Array.from(model.stateDict()['1.running_mean'].dataSync())).toEqual(Array.from(net.stateDict()['1.running_mean'].dataSync()));
  });

  it('a model that cannot describe itself still checkpoints, and rebuilding it says what to do', async () => {
    const net = new Affine(2, 3);
    const mem = memoryWriter();
    await fit(net, blobs(30), { loss: ce, optimizer: new SGD(net.parameters(), { lr: 0.1 }), epochs: 1, batchSize: 10, callbacks: [new ModelCheckpoint({ writer: mem.writer, monitor: 'loss' })] });
    const bytes = mem.files.get('last.safetensors')!;
    await expect(loadCheckpointModel(bytes, 'ck.safetensors')).rejects.toThrow(ModelFileError);
    await expect(loadCheckpointModel(bytes, 'ck.safetensors')).rejects.toThrow(/ck\.safetensors: not a Tessera model file.*loadWeights/);
    expect(MODEL_CONFIG_KEY).toBe('tessera.config');
  });
});
