import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, rand, randn, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { type AnyModule, BatchNorm2d, BatchNormBase, Conv2d, LayerConfigError, Module, fuseBatchNorm } from '@tessera/layers';
import { googlenet, resnet, vgg } from '../src/index.js';
import './setup.js';

beforeAll(() => use(cpu()));

/** Running statistics and affine parameters as training would leave them (not the identity). */
function trainedStats(net: AnyModule): number {
  let n = 0;
  noGrad(() =>
    tidy(() => {
      for (const m of net.modules()) {
        if (!(m instanceof BatchNormBase)) continue;
        const c = [m.numFeatures];
        m.runningMean!.assign(randn(c).mul(0.2));
        m.runningVar!.assign(rand(c).mul(1.5).add(0.25));
        m.weight?.assign(rand(c).add(0.5));
        m.bias?.assign(randn(c).mul(0.1));
        n++;
      }
    }),
  );
  return n;
}

/** max |a − b| / max |b| over all elements. */
function relErr(a: Tensor, b: Tensor): number {
  return tidy(() => a.sub(b).abs().max().dataSync()[0] / b.abs().max().dataSync()[0]);
}

const zoo: [string, () => AnyModule, number[]][] = [
  ['resnet18', () => resnet('resnet18', { numClasses: 10 }), [2, 3, 64, 64]],
  ['resnet50 (bottleneck blocks, 1×1 projection shortcuts)', () => resnet('resnet50', { numClasses: 10 }), [1, 3, 64, 64]],
  ['resnet20 (CIFAR)', () => resnet('resnet20'), [2, 3, 32, 32]],
  ['vgg11 with batch norm', () => vgg('A', { batchNorm: true, hidden: 16, numClasses: 5, dropout: 0 }), [1, 3, 32, 32]],
  ['googlenet (BasicConv2d: conv → bn)', () => googlenet({ numClasses: 7 }), [1, 3, 64, 64]],
];

describe('fuseBatchNorm', () => {
  for (const [name, make, shape] of zoo) {
    it(`${name}: every batch norm folds and the outputs match the unfused model within 1e-5 relative`, async () => {
      manualSeed(1);
      const net = make();
      const count = trainedStats(net);
      net.eval();
      const x = randn(shape);
      const before = noGrad(() => net.call(x) as Tensor);
      const report = await fuseBatchNorm(net, x);
      expect(report.folded).toHaveLength(count);
      const after = noGrad(() => net.call(x) as Tensor);
      expect(relErr(after, before)).toBeLessThan(1e-5);
      expect(net.modules().filter((m) => m instanceof BatchNormBase && m.folded)).toHaveLength(count);
      tidy(() => [before, after, x].forEach((t) => t.dispose()));
    }, 120_000);
  }

  it('leaves a batch norm alone when its input is also read by another module, and refuses to train a folded one', async () => {
    class Both extends Module {
      conv = new Conv2d(2, 3, 3, { padding: 1 });
      bn = new BatchNorm2d(3);
      other = new Conv2d(3, 3, 1);
      forward(x: Tensor): Tensor {
        const y = this.conv.call(x);
        return this.bn.call(y).add(this.other.call(y));
      }
    }
    manualSeed(2);
    const net = new Both();
    trainedStats(net);
    const x = randn([1, 2, 5, 5]);
    const report = await fuseBatchNorm(net, x);
    expect(report.folded).toHaveLength(0);

    class Plain extends Module {
      conv = new Conv2d(2, 3, 3, { bias: false });
      bn = new BatchNorm2d(3);
      forward(x: Tensor): Tensor {
        return this.bn.call(this.conv.call(x));
      }
    }
    const p = new Plain();
    trainedStats(p);
    expect((await fuseBatchNorm(p, x)).folded).toEqual([['conv', 'bn']]);
    expect(p.conv.bias).not.toBeNull();
    p.train();
    expect(() => p.call(x)).toThrow(LayerConfigError);
  });

  it('undoes everything and says so when a layer output is also read outside modules', async () => {
    class Hidden extends Module {
      conv = new Conv2d(2, 3, 3, { padding: 1 });
      bn = new BatchNorm2d(3);
      forward(x: Tensor): Tensor {
        const y = this.conv.call(x);
        return this.bn.call(y).add(y.mul(2)); // a functional reader the hooks cannot see
      }
    }
    manualSeed(3);
    const net = new Hidden();
    trainedStats(net);
    const x = randn([1, 2, 5, 5]);
    const w = Array.from(net.conv.weight.dataSync());
    await expect(fuseBatchNorm(net, x)).rejects.toThrow(/nothing was folded/);
    expect(Array.from(net.conv.weight.dataSync())).toEqual(w);
    expect(net.bn.folded).toBe(false);
  });
});
