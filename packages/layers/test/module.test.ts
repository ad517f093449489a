import { beforeAll, describe, expect, it } from 'vitest';
import { type Parameter, type Tensor, manualSeed, memory, ones, tensor, use, zeros } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Buffer, Module, Sequential, StateDictError, param } from '../src/index.js';

beforeAll(() => use(cpu()));

class Affine extends Module {
  weight: Parameter;
  bias = param(zeros([3]));
  runningMean = new Buffer(zeros([3]));
  constructor(inF = 2) {
    super();
    this.weight = param(inF === 2 ? tensor([[1, 2], [3, 4], [5, 6]]) : ones([3, inF]));
  }
  protected override fieldKey(f: string): string {
    return f === 'runningMean' ? 'running_mean' : f;
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight, { transposeB: true }).add(this.bias);
  }
}

class Net extends Module {
  features = [new Affine(), new Affine()];
  heads = new Map([['a', new Affine()]]);
  shared: Affine;
  constructor() {
    super();
    this.shared = this.features[0];
  }
  forward(x: Tensor): Tensor {
    return x;
  }
}

describe('Module', () => {
  it('discovers parameters, buffers and children from fields, arrays and maps', () => {
    const n = new Net();
    expect(n.namedParameters().map(([k]) => k)).toEqual([
      'features.0.weight', 'features.0.bias', 'features.1.weight', 'features.1.bias', 'heads.a.weight', 'heads.a.bias',
    ]);
    expect(n.parameters()).toHaveLength(6);
    expect(n.namedBuffers().map(([k]) => k)).toEqual(['features.0.running_mean', 'features.1.running_mean', 'heads.a.running_mean']);
    expect(n.numParameters()).toBe(3 * 9);
    expect(Object.keys(n.stateDict())).toHaveLength(9);
    n.eval();
    expect(n.modules().every((m) => !m.training)).toBe(true);
    n.freeze();
    expect(n.numParameters(true)).toBe(0);
    n.unfreeze();
    expect(n.buffers().every((b) => !b.requiresGrad)).toBe(true);
    const seen: string[] = [];
    n.apply((m) => seen.push(m.typeName));
    expect(seen.at(-1)).toBe('Net');
  });

  it('loads a state dict and lists missing, unexpected and mismatched keys', () => {
    manualSeed(1);
    const a = new Affine();
    const b = new Affine();
    b.loadStateDict({ weight: tensor([[0, 0], [0, 0], [1, 1]]), bias: tensor([1, 2, 3]), running_mean: tensor([7, 8, 9]) });
    expect(b.weight.arraySync()).toEqual([[0, 0], [0, 0], [1, 1]]);
    expect(b.runningMean.arraySync()).toEqual([7, 8, 9]);
    expect(() => a.loadStateDict({ weight: zeros([2, 2]), extra: zeros([1]) })).toThrow(StateDictError);
    try {
      a.loadStateDict({ weight: zeros([2, 2]), extra: zeros([1]) });
    } catch (e) {
      expect((e as Error).message).toMatch(/missing keys: bias, running_mean/);
      expect((e as Error).message).toMatch(/unexpected keys: extra/);
      expect((e as Error).message).toMatch(/weight: module has \[3, 2\], dict has \[2, 2\]/);
    }
    expect(a.loadStateDict({ bias: tensor([1, 1, 1]) }, { strict: false }).missingKeys).toEqual(['weight', 'running_mean']);
  });

  it('Sequential names layers by index and prints a summary', () => {
    const s = new Sequential(new Affine(), new Sequential({ inner: new Affine(3) }));
    expect(s.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.inner.weight', '1.inner.bias']);
    const before = memory().numTensors;
    const sum = s.summary([4, 2]);
    expect(memory().numTensors).toBe(before);
    expect(sum.rows.map((r) => [r.name, r.outputShapes])).toEqual([['0', [[4, 3]]], ['1.inner', [[4, 3]]], ['1', [[4, 3]]]]);
    expect(String(sum)).toMatch(/Total params: 21/);
    expect(String(s)).toContain('(1): Sequential(\n    (inner): Affine()');
  });
});

describe('test helpers', () => {
  it('gradCheck passes a correct gradient and fails a wrong one', async () => {
    const { gradCheck, randT } = await import('./helpers.js');
    const x = randT([3, 4], 7).requiresGrad_();
    gradCheck(() => x.tanh().mul(x), [x]);
    // detach hides part of the dependence: the check must notice
    expect(() => gradCheck(() => x.tanh().mul(x.detach()), [x])).toThrow(/gradient of input 0/);
  });
});
