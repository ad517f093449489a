import { describe, expect, it } from 'vitest';
import * as tessera from '../src/index.js';
import { backends, cpu, fit, manualSeed, models, nn, optim, tensor, use } from '../src/index.js';

describe('tessera (the umbrella)', () => {
  it('trains XOR through fit with nn, optim and the CPU backend from one import (compiled by default)', async () => {
    use(cpu());
    manualSeed(0);
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([0, 1, 1, 0], { dtype: 'int32' });
    const net = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
    const history = await fit(net, { x, y }, {
      loss: 'crossEntropy', optimizer: new optim.SGD(net.parameters(), { lr: 0.5 }), epochs: 300, batchSize: 4, shuffle: false, metrics: ['accuracy'],
    });
    expect(history.history.accuracy!.at(-1)).toBe(1);
    expect(history.compile!.replays).toBeGreaterThan(250);
  });

  it('exposes core at the top level and the other packages as namespaces', () => {
    for (const name of ['tensor', 'compile', 'tidy', 'noGrad', 'Parameter', 'init', 'use', 'cpu', 'setThreads', 'webgpu', 'warmup', 'fit', 'evaluate', 'predict']) {
      expect(typeof (tessera as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(typeof nn.Conv2d).toBe('function');
    expect(typeof nn.crossEntropyLoss).toBe('function');
    expect(typeof optim.Adam).toBe('function');
    expect(typeof tessera.data.DataLoader).toBe('function');
    expect(typeof models.mnistCnn).toBe('function');
    expect(typeof tessera.onnx.exportOnnx).toBe('function');
    // Keras-style compile lives in the train namespace; the top-level compile is core's.
    expect(tessera.train.compile).not.toBe(tessera.compile);
  });

  it('tessera/worker has both halves of fit in a worker', async () => {
    const worker = await import('../src/worker.js');
    expect(typeof worker.startTraining).toBe('function');
    expect(typeof worker.serveTraining).toBe('function');
    expect(new worker.TrainingWorkerError({ name: 'ShapeError', message: 'bad' }, 'job 1').remoteName).toBe('ShapeError');
  });

  it('tessera/register installs the WebGPU and CPU backends', async () => {
    await import('../src/register.js');
    expect(backends()).toEqual(expect.arrayContaining(['webgpu', 'cpu']));
  });
});
