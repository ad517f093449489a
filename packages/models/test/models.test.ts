import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { stateDict } from '@tessera/layers';
import { ModelConfigError, ResNet, mlp, mnistCnn, resnet } from '../src/index.js';
import { expectStepLowersLoss, once } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

/** Parameters of a layer table: [in, out] linear or [in, out, k] conv with bias. */
const linear = (i: number, o: number) => i * o + o;
const conv = (i: number, o: number, k: number) => i * o * k * k + o;

describe('mlp', () => {
  it('counts, shape, step', async () => {
    const net = mlp({ inFeatures: 12, hidden: [8, 6], outFeatures: 3, dropout: 0.1 });
    expect(net.numParameters()).toBe(linear(12, 8) + linear(8, 6) + linear(6, 3));
    expect(net.call(randn([4, 3, 4])).shape).toEqual([4, 3]);
    net.eval();
    await expectStepLowersLoss(net, [4, 12], 3);
  });
  it('rejects bad options with a typed error', () => {
    expect(() => mlp({ inFeatures: 0, hidden: [], outFeatures: 2 })).toThrow(ModelConfigError);
    expect(() => mlp({ inFeatures: 2, hidden: [], outFeatures: 2, dropout: 1 })).toThrow(/mlp: dropout/);
  });
});

describe('mnistCnn', () => {
  it('counts, shape, step', async () => {
    const net = mnistCnn();
    expect(net.numParameters()).toBe(conv(1, 32, 5) + conv(32, 64, 5) + linear(256, 200) + linear(200, 10));
    expect(net.call(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    await expectStepLowersLoss(net, [2, 1, 28, 28], 10, 0.01);
  });
});

describe('resnet', () => {
  // Each big ResNet is built once and shared by the tests below (construction is the slow part).
  const imagenet = {
    resnet18: once(() => resnet('resnet18')),
    resnet34: once(() => resnet('resnet34')),
    resnet50: once(() => resnet('resnet50')),
    resnet101: once(() => resnet('resnet101')),
    resnet152: once(() => resnet('resnet152')),
  };
  const published = { resnet18: 11_689_512, resnet34: 21_797_672, resnet50: 25_557_032, resnet101: 44_549_160, resnet152: 60_192_808 } as const;
  for (const [name, count] of Object.entries(published) as [keyof typeof published, number][]) {
    it(`torchvision's published parameter count: ${name}`, () => {
      const net = name in imagenet ? imagenet[name as keyof typeof imagenet]() : resnet(name);
      expect(net.numParameters()).toBe(count);
    });
  }
  it("torchvision's names", () => {
    const net = imagenet.resnet18();
    const names = net.namedParameters().map(([n]) => n);
    expect(names.slice(0, 3)).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias']);
    expect(names).toContain('layer1.0.conv1.weight');
    expect(names).toContain('layer2.0.downsample.0.weight');
    expect(names).toContain('layer2.0.downsample.1.weight');
    expect(names.at(-1)).toBe('fc.bias');
    const keys = Object.keys(stateDict(net));
    expect(keys).toContain('bn1.running_mean');
    expect(keys).toContain('layer1.0.bn2.running_var');
  });
  for (const name of Object.keys(imagenet) as (keyof typeof imagenet)[]) {
    it(`${name}: output shape on [2, 3, 32, 32]; one step lowers the loss on [4, 3, 64, 64]`, async () => {
      const net = imagenet[name]();
      manualSeed(0); // the same batch whatever runs before it
      expect(net.call(randn([2, 3, 32, 32])).shape).toEqual([2, 1000]);
      // Not [2, 3, 32, 32]: its last stage is 1×1, so each batch norm there normalises 2
      // values to ±1 and its gradient is rounding noise amplified by γ/σ (parameter
      // gradients of 1e5–1e6 were seen), and whether a step lowers the loss is chance.
      await expectStepLowersLoss(net, [4, 3, 64, 64], 1000, 0.01);
    });
  }
  it('bottleneck blocks with conv shortcuts (the ResNet-50 family): count from the table, shape, step', async () => {
    // A two-stage ImageNet-style ResNet of one bottleneck block per stage, widths 4 and 8.
    const net = new ResNet({ name: 'tiny-bottleneck', block: 'bottleneck', layers: [1, 1], widths: [4, 8], stem: 'imagenet' }, { numClasses: 4 });
    const bn = (c: number) => 2 * c;
    const convBn = (i: number, o: number, k: number) => i * o * k * k + bn(o);
    const bottleneck = (i: number, p: number) => convBn(i, p, 1) + convBn(p, p, 3) + convBn(p, 4 * p, 1) + convBn(i, 4 * p, 1); // last: downsample
    expect(net.numParameters()).toBe(convBn(3, 4, 7) + bottleneck(4, 4) + bottleneck(16, 8) + linear(32, 4));
    expect(net.call(randn([2, 3, 32, 32])).shape).toEqual([2, 4]);
    await expectStepLowersLoss(net, [2, 3, 32, 32], 4, 0.05);
  });
  it('CIFAR ResNet-20: count from the layer table, shape, step', async () => {
    const net = resnet('resnet20');
    // stem 3→16 conv + bn; 3 stages of 3 blocks with 2 convs + 2 bns; fc 64→10
    const bn = (c: number) => 2 * c;
    const block = (i: number, o: number) => i * o * 9 + bn(o) + o * o * 9 + bn(o);
    const stage = (i: number, o: number, n = 3) => block(i, o) + (n - 1) * block(o, o);
    const cifar = (n: number) => 3 * 16 * 9 + bn(16) + stage(16, 16, n) + stage(16, 32, n) + stage(32, 64, n) + linear(64, 10);
    expect(net.numParameters()).toBe(cifar(3));
    for (const [name, n] of [['resnet32', 5], ['resnet44', 7], ['resnet56', 9]] as const) expect(resnet(name).numParameters()).toBe(cifar(n));
    expect(net.numParameters()).toBe(269_722) // He et al.: 0.27M;
    expect(net.call(randn([2, 3, 8, 8])).shape).toEqual([2, 10]);
    await expectStepLowersLoss(net, [4, 3, 8, 8], 10, 0.05);
  });
  for (const name of ['resnet32', 'resnet44', 'resnet56'] as const) {
    it(`CIFAR ${name}: output shape on [4, 3, 8, 8] and one step lowers the loss`, async () => {
      const net = resnet(name);
      manualSeed(0);
      expect(net.call(randn([4, 3, 8, 8])).shape).toEqual([4, 10]);
      await expectStepLowersLoss(net, [4, 3, 8, 8], 10, 0.005); // deeper nets: a smaller step
    });
  }
});
