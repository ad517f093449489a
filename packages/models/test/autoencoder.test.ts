import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, manualSeed, noGrad, rand, randn, tidy, type Tensor } from '@tessera/core';
import { use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { mseLoss, type Module } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { ContractiveAutoencoder, ConvAutoencoder, DenseAutoencoder, SparseAutoencoder, pretrainLayerwise, stackedAutoencoder } from '../src/index.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

const linear = (i: number, o: number) => i * o + o;
const conv = (i: number, o: number, k: number) => i * o * k * k + o;

/** 32 samples on a 4-dimensional manifold of [0, 1]^16: σ(z·A). */
function manifoldData(): Tensor {
  return randn([32, 4]).matmul(randn([4, 16])).sigmoid();
}

/** Reconstruction MSE in eval mode (no noise), without gradients. */
async function reconstructionError(ae: Module, x: Tensor): Promise<number> {
  const wasTraining = ae.training;
  ae.eval();
  const e = await noGrad(() => mseLoss(ae.call(x), x)).item();
  if (wasTraining) ae.train();
  return e;
}

/** Full-batch Adam on a loss of the batch. */
function train(ae: Module, loss: () => Tensor, steps: number, lr = 0.01): void {
  const opt = new Adam(ae.parameters(), { lr });
  for (let i = 0; i < steps; i++) tidy(() => { loss().backward(); opt.step(); opt.zeroGrad(); });
}

describe('DenseAutoencoder', () => {
  for (const noise of [0, 0.1]) {
    it(`reconstructs a tiny dataset better after training (noise ${noise})`, async () => {
      manualSeed(1);
      const ae = new DenseAutoencoder({ inFeatures: 16, hidden: [8, 4], noise });
      expect(ae.numParameters()).toBe(linear(16, 8) + linear(8, 4) + linear(4, 8) + linear(8, 16));
      const x = manifoldData();
      const before = await reconstructionError(ae, x);
      train(ae, () => mseLoss(ae.call(x), x), 100);
      expect(await reconstructionError(ae, x)).toBeLessThan(before * 0.8);
    });
  }
});

describe('stacked autoencoder', () => {
  for (const noise of [0, 0.05]) {
    it(`greedy layer-wise pre-training lowers every level's loss, then fine-tuning (noise ${noise})`, async () => {
      manualSeed(2);
      const ae = stackedAutoencoder({ inFeatures: 16, hidden: [10, 6], noise });
      expect(ae.numParameters()).toBe(linear(16, 10) + linear(10, 6) + linear(6, 10) + linear(10, 16));
      const x = manifoldData();
      const before = await reconstructionError(ae, x);
      const levels = await pretrainLayerwise(ae, [x.narrow(0, 0, 16), x.narrow(0, 16, 16)], {
        epochs: 100,
        optimizer: (p) => new Adam(p, { lr: 0.02 }),
      });
      expect(levels.map((l) => l.level)).toEqual([1, 2]);
      for (const l of levels) expect(l.after).toBeLessThan(l.before * 0.5);
      expect(ae.training).toBe(true);
      const pretrained = await reconstructionError(ae, x);
      expect(pretrained).toBeLessThan(before);
      train(ae, () => mseLoss(ae.call(x), x), 100);
      expect(await reconstructionError(ae, x)).toBeLessThan(pretrained);
    });
  }
});

describe('sparse autoencoder', () => {
  it('reconstructs better after training, with mean hidden activation pushed towards ρ', async () => {
    manualSeed(3);
    const ae = new SparseAutoencoder({ inFeatures: 16, hidden: 12, rho: 0.05, beta: 3 });
    expect(ae.numParameters()).toBe(linear(16, 12) + linear(12, 16));
    const x = manifoldData();
    const meanActivation = () => noGrad(() => ae.encode(x).mean()).item();
    const activationBefore = await meanActivation();
    const before = await reconstructionError(ae, x);
    train(ae, () => ae.loss(x), 300, 0.02);
    expect(await reconstructionError(ae, x)).toBeLessThan(before * 0.8);
    expect(activationBefore).toBeGreaterThan(0.3);
    expect(await meanActivation()).toBeLessThan(0.15);
  });
});

describe('contractive autoencoder', () => {
  it("the closed-form penalty equals the Jacobian's Frobenius norm from second-order autograd, value and gradient", async () => {
    manualSeed(4);
    const closed = new ContractiveAutoencoder({ inFeatures: 6, hidden: 4 });
    const auto = new ContractiveAutoencoder({ inFeatures: 6, hidden: 4, jacobian: 'autograd' });
    auto.encoder.weight.assign(closed.encoder.weight);
    auto.encoder.bias!.assign(closed.encoder.bias!);
    const x = rand([5, 6]);
    const pc = closed.penalty(x, closed.encode(x));
    const pa = auto.penalty(x, auto.encode(x));
    expect(await pa.item()).toBeCloseTo(await pc.item(), 5);
    pc.backward();
    pa.backward();
    const gc = await closed.encoder.weight.grad!.data();
    const ga = await auto.encoder.weight.grad!.data();
    gc.forEach((v, i) => expect(ga[i]).toBeCloseTo(v, 5));
  });
  it('reconstructs better after training; the penalty shrinks against an unpenalized twin', async () => {
    manualSeed(5);
    const x = manifoldData();
    const ae = new ContractiveAutoencoder({ inFeatures: 16, hidden: 8, lambda: 0.1 });
    expect(ae.numParameters()).toBe(linear(16, 8) + linear(8, 16));
    const plain = new ContractiveAutoencoder({ inFeatures: 16, hidden: 8, lambda: 0 });
    for (const [a, b] of plain.parameters().map((p, i) => [p, ae.parameters()[i]!] as const)) a.assign(b);
    const before = await reconstructionError(ae, x);
    train(ae, () => ae.loss(x), 200);
    train(plain, () => plain.loss(x), 200);
    expect(await reconstructionError(ae, x)).toBeLessThan(before * 0.8);
    const jac = (m: ContractiveAutoencoder) => noGrad(() => m.penalty(x, m.encode(x))).item();
    expect(await jac(ae)).toBeLessThan(await jac(plain));
  });
});

describe('convolutional autoencoder', () => {
  it('count from the layer table, shape, reconstructs better after training', async () => {
    manualSeed(6);
    const ae = new ConvAutoencoder({ inChannels: 1, channels: [4, 8] });
    expect(ae.numParameters()).toBe(conv(1, 4, 3) + conv(4, 8, 3) + conv(8, 4, 3) + conv(4, 1, 3));
    const x = rand([8, 1, 2, 2]).pad([[0, 0], [0, 0], [1, 1], [1, 1]]).tile([1, 1, 2, 2]); // 8×8 tiled patterns
    expect(ae.call(x).shape).toEqual([8, 1, 8, 8]);
    expect(ae.encode(x).shape).toEqual([8, 8, 2, 2]);
    const before = await reconstructionError(ae, x);
    train(ae, () => mseLoss(ae.call(x), x), 100);
    expect(await reconstructionError(ae, x)).toBeLessThan(before * 0.8);
    expect(() => ae.call(rand([1, 1, 7, 7]))).toThrow(ShapeError);
  });
});
