import { describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, randint, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  type AnyModule, BatchNorm1d, Conv1d, Dropout, ELU, Embedding, Flatten, GELU, GaussianNoise, GroupNorm, LayerNorm, LeakyReLU, Linear, LogSoftmax, Module,
  RNN, Reshape, Sequential, SiLU, Softplus, Tanh, AvgPool1d, MaxPool1d, loadTorchWeights,
} from '@tessera/layers';
import { SequenceClassifier, googlenet, lenet5, mlp, mnistCnn, resnet } from '@tessera/models';
import { PytorchExportError, exportPytorch } from '../src/index.js';
import { runInTorch, torchMissing } from './torch.js';

use(cpu());
if (torchMissing) console.warn(torchMissing);
const withTorch = torchMissing ? it.skip : it;

/** Largest |torch − tessera| / max(1, |tessera|) over every output. */
function maxRelError(got: readonly number[][], want: readonly Tensor[]): number {
  let worst = 0;
  want.forEach((t, k) => {
    const w = Array.from(t.dataSync() as Float32Array);
    expect(got[k]!.length).toBe(w.length);
    w.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[k]![i]! - v) / Math.max(1, Math.abs(v)))));
  });
  return worst;
}

/** Runs a few batches in training mode so batch-norm statistics are not the defaults. */
function warmUp(model: AnyModule, x: Tensor): void {
  model.train();
  for (let i = 0; i < 2; i++) noGrad(() => (model.call as (t: Tensor) => unknown)(randn(x.shape).add(0.5)));
  model.eval();
}

/** Exports, runs in PyTorch, and checks outputs, names and that it trains; returns the error. */
async function check(name: string, model: AnyModule, x: Tensor): Promise<number> {
  warmUp(model, x);
  const want = noGrad(() => (model.call as (t: Tensor) => Tensor | Tensor[])(x));
  const exported = await exportPytorch(model, x);
  const r = await runInTorch(exported, [x]);
  expect([...r.keys].sort()).toEqual(Object.keys(model.stateDict()).sort());
  const err = maxRelError(r.outputs, Array.isArray(want) ? want : [want]);
  console.log(`${name}: max relative error ${err.toExponential(2)} over ${r.outputs.flat().length} outputs; PyTorch training loss ${r.trainLoss.map((v) => v.toPrecision(4)).join(' → ')}`);
  expect(err).toBeLessThanOrEqual(1e-4);
  expect(r.trainLoss.every(Number.isFinite)).toBe(true);
  expect(r.trainLoss[1]).toBeLessThan(r.trainLoss[0]!);
  // And back: the state dict PyTorch trained and saved loads into the Tessera model, which then gives PyTorch's outputs.
  loadTorchWeights(model, r.trainedPth);
  model.eval();
  const back = noGrad(() => (model.call as (t: Tensor) => Tensor | Tensor[])(x));
  const backErr = maxRelError(r.trainedOutputs, Array.isArray(back) ? back : [back]);
  console.log(`${name}: trained in PyTorch, saved as .pth, loaded back: max relative error ${backErr.toExponential(2)}`);
  expect(backErr).toBeLessThanOrEqual(1e-4);
  return err;
}

describe('exportPytorch: the generated nn.Module loads in PyTorch 1.13 and gives the same outputs', () => {
  withTorch('an MLP (zoo)', async () => {
    manualSeed(1);
    await check('mlp', mlp({ inFeatures: 784, hidden: [64, 32], outFeatures: 10 }), randn([4, 1, 28, 28]));
  });

  withTorch('CNNs: the classic MNIST CNN and LeNet-5 (zoo)', async () => {
    manualSeed(2);
    await check('mnistCnn', mnistCnn({ numClasses: 10 }), randn([3, 1, 28, 28]));
    await check('lenet5', lenet5({ numClasses: 10 }), randn([3, 1, 28, 28]));
  });

  withTorch('ResNets: ResNet-20 (CIFAR, zero-padded shortcuts) and ResNet-18 (downsampling convs, stem max-pool)', async () => {
    manualSeed(3);
    await check('resnet20', resnet('resnet20', { numClasses: 10 }), randn([2, 3, 32, 32]));
    await check('resnet18', resnet('resnet18', { numClasses: 10 }), randn([2, 3, 64, 64]));
  });

  withTorch('an LSTM classifier and a two-layer GRU classifier (zoo)', async () => {
    manualSeed(4);
    await check('lstm classifier', new SequenceClassifier({ inputSize: 3, hiddenSize: 16, outFeatures: 4 }), randn([5, 7, 3]));
    await check('gru classifier', new SequenceClassifier({ inputSize: 3, hiddenSize: 8, outFeatures: 2, cell: 'gru', numLayers: 2, dropout: 0.2 }), randn([5, 6, 3]));
  });

  withTorch('GoogLeNet (concatenated branches, auxiliary heads kept in the state dict)', async () => {
    manualSeed(5);
    await check('googlenet', googlenet({ numClasses: 10 }), randn([1, 3, 64, 64]));
  });

  withTorch('the other layers written as PyTorch (1-d convs and pools, norms, activations, reshape, RNN)', async () => {
    manualSeed(6);
    const seq = new Sequential(
      new Conv1d(2, 6, 3, { padding: 1, activation: 'tanh' }), new BatchNorm1d(6), new ELU(0.5), new MaxPool1d(2), new GroupNorm(3, 6), new AvgPool1d(2, { stride: 1 }),
      new GELU('tanh'), new Flatten(), new Linear(18, 12, { activation: 'sigmoid' }), new LayerNorm(12), new SiLU(), new Dropout(0.3), new Reshape([3, 4]),
      new Softplus(2), new LeakyReLU(0.2), new Flatten(), new Linear(12, 5), new Tanh(), new LogSoftmax(1),
    );
    await check('layers', seq, randn([4, 2, 8]));

    class Embedder extends Module {
      readonly emb = new Embedding(11, 4);
      readonly rnn = new RNN(4, 6, { nonlinearity: 'relu', batchFirst: true, bidirectional: true });
      forward(ids: Tensor): Tensor {
        const [out] = this.rnn.call(this.emb.call(ids));
        return out.mean(1);
      }
    }
    const net = new Embedder();
    const ids = randint(0, 11, [3, 5]).cast('int32');
    const want = noGrad(() => net.call(ids));
    const r = await runInTorch(await exportPytorch(net, ids), [ids]);
    const err = maxRelError(r.outputs, [want]);
    console.log(`embedding + bidirectional ReLU RNN + mean: max relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThanOrEqual(1e-4);
  });
});

describe('exportPytorch refuses what PyTorch cannot reproduce', () => {
  it('a layer with no PyTorch twin is named with its path', async () => {
    const seq = new Sequential(new Linear(4, 4), new GaussianNoise(0.1), new Linear(4, 2));
    await expect(exportPytorch(seq, randn([2, 4]))).rejects.toThrow(PytorchExportError);
    await expect(exportPytorch(seq, randn([2, 4]))).rejects.toThrow(/'1' \(GaussianNoise\) has no PyTorch equivalent/);
  });

  it('a single layer asks to be wrapped, and a bad class name is refused', async () => {
    await expect(exportPytorch(new Linear(2, 2), randn([1, 2]))).rejects.toThrow(/wrap it in a Sequential/);
    await expect(exportPytorch(new Sequential(new Linear(2, 2)), randn([1, 2]), { className: 'my model' })).rejects.toThrow(/not a Python identifier/);
  });

  it('writes the twins at their paths and the code between them as torch functions, batch kept symbolic', async () => {
    const { code } = await exportPytorch(resnet('resnet20', { numClasses: 10 }), randn([2, 3, 32, 32]));
    expect(code).toContain('_place(self, "layer1.0.conv1", nn.Conv2d(16, 16, (3, 3), padding=(1, 1), bias=False))');
    expect(code).toContain('_place(self, "layer1.0.bn1", nn.BatchNorm2d(16))');
    expect(code).toMatch(/F\.pad\(t\d+, \(0, 0, 0, 0, 0, 16\)\)/);
    expect(code).toMatch(/\.reshape\(t\d+\.shape\[0\], 64\)/);
    expect(code).not.toMatch(/reshape\(2, /);
  });
});
