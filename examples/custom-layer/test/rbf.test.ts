import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ShapeError, gradients, manualSeed, memory, noGrad, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Linear, decodeSafetensors, input, loadWeights, model, saveWeights } from '@tessera/layers';
import { loadWeightsFile, saveSafetensorsFile } from '@tessera/layers/node';
import { RBF } from '../src/rbf.js';
import { dataset, rbfNetwork, train } from '../src/task.js';

beforeAll(() => use(cpu()));

describe('RBF: a third-party layer on the public API', () => {
  it('forward matches exp(−γ‖x − c‖²) computed by hand', () => {
    const rbf = new RBF(2, 2, { dtype: 'float64' });
    noGrad(() => {
      rbf.centers.assign(tensor([[0, 0], [1, 2]], { dtype: 'float64' }));
      rbf.logGamma.assign(tensor([Math.log(0.5), Math.log(2)], { dtype: 'float64' }));
    });
    tidy(() => {
      const y = rbf.call(tensor([[1, 1], [0, 2]], { dtype: 'float64' }));
      // x0 = (1,1): ‖x0−c0‖² = 2, ‖x0−c1‖² = 1;  x1 = (0,2): ‖x1−c0‖² = 4, ‖x1−c1‖² = 1
      const want = [Math.exp(-0.5 * 2), Math.exp(-2 * 1), Math.exp(-0.5 * 4), Math.exp(-2 * 1)];
      expect(y.shape).toEqual([2, 2]);
      Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 14));
    });
    rbf.dispose();
  });

  it('gradients match central finite differences (float64)', () => {
    manualSeed(3);
    const rbf = new RBF(3, 4, { dtype: 'float64', gamma: 0.7 });
    const x = tensor([[0.2, -0.4, 0.9], [-0.8, 0.1, 0.3]], { dtype: 'float64' });
    const r = tensor([[1, -2, 0.5, 3], [0.25, 1, -1, 2]], { dtype: 'float64' });
    const f = (): number => noGrad(() => tidy(() => rbf.call(x).mul(r).sum().itemSync()));
    const grads = tidy(() => gradients(rbf.call(x).mul(r).sum(), [rbf.centers, rbf.logGamma]).map((g) => Array.from(g.dataSync())));
    [rbf.centers, rbf.logGamma].forEach((p, k) => {
      const base = Array.from(p.dataSync());
      base.forEach((v, i) => {
        const at = (d: number): number => {
          const moved = base.slice();
          moved[i] = v + d;
          noGrad(() => p.assign(tensor(moved, { dtype: 'float64', shape: p.shape })));
          return f();
        };
        const fd = (at(1e-6) - at(-1e-6)) / 2e-6;
        noGrad(() => p.assign(tensor(base, { dtype: 'float64', shape: p.shape })));
        expect(Math.abs(grads[k][i] - fd)).toBeLessThan(1e-7 + 1e-6 * Math.abs(fd));
      });
    });
    x.dispose();
    r.dispose();
    rbf.dispose();
  });

  it('names its parameters PyTorch-style and checks its input and config', () => {
    const rbf = new RBF(2, 5);
    expect(rbf.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['centers', [5, 2]], ['log_gamma', [5]]]);
    expect(String(rbf)).toBe('RBF(in_features=2, units=5)');
    expect(() => tidy(() => rbf.call(tensor([[1, 2, 3]])))).toThrow(ShapeError);
    expect(() => tidy(() => rbf.call(tensor([[1, 2, 3]])))).toThrow(/RBF\(2→5\): expected input of shape \[N, 2\] but got \[1, 3\]/);
    expect(() => new RBF(0, 3)).toThrow(ConfigError);
    expect(() => new RBF(2, 3, { gamma: -1 })).toThrow(/gamma must be > 0/);
    rbf.dispose();
  });

  it('works in the functional graph API (shapes inferred by running it)', () => {
    const x = input({ shape: [2] });
    const h = new RBF(2, 7).apply(x);
    expect(h.shape).toEqual([null, 7]);
    const net = model({ inputs: x, outputs: new Linear(7, 1).apply(h) });
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.centers', '0.log_gamma', '1.weight', '1.bias']);
    tidy(() => expect(net.call(tensor([[0, 0], [1, 1], [0.5, -1]])).shape).toEqual([3, 1]));
  });
});

describe('train → save → load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-custom-layer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('learns sin(πx)·cos(πy) with Adam, then a fresh instance loaded from safetensors predicts identically', async () => {
    const data = dataset(256, 1);
    const test = dataset(64, 2);
    manualSeed(7);
    const net = rbfNetwork();
    const before = memory().numTensors;
    const losses = train(net, data, 150);
    expect(memory().numTensors).toBe(before); // no leak over 150 steps
    const [first, last] = [losses[0], losses[losses.length - 1]];
    expect(first).toBeGreaterThan(0.1);
    expect(last).toBeLessThan(first / 100); // measured: 0.22 → 0.0005
    // generalises to fresh points (not just memorised)
    const testLoss = tidy(() => net.call(test.x).sub(test.y).square().mean().itemSync());
    expect(testLoss).toBeLessThan(first / 50);

    // 1. in memory: bytes → a fresh, differently initialised instance
    const bytes = saveWeights(net, { format: 'pt', task: 'sin·cos' });
    expect(Object.keys(decodeSafetensors(bytes).tensors).sort()).toEqual(['0.centers', '0.log_gamma', '1.bias', '1.weight']);
    manualSeed(99);
    const fresh = rbfNetwork();
    const predict = (m: typeof net): number[] => tidy(() => Array.from(m.call(test.x).dataSync()));
    expect(predict(fresh)).not.toEqual(predict(net));
    loadWeights(fresh, bytes);
    expect(predict(fresh)).toEqual(predict(net));

    // 2. on disk, written atomically
    const path = join(dir, 'rbf.safetensors');
    await saveSafetensorsFile(path, net, { format: 'pt' });
    expect(readdirSync(dir)).toEqual(['rbf.safetensors']);
    manualSeed(100);
    const fromDisk = rbfNetwork();
    await loadWeightsFile(fromDisk, path);
    expect(predict(fromDisk)).toEqual(predict(net));

    for (const m of [net, fresh, fromDisk]) m.dispose();
    for (const t of [data.x, data.y, test.x, test.y]) t.dispose();
  });
});
