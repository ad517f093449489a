import { beforeAll, describe, expect, it } from 'vitest';
import { gradOf, manualSeed, randn, tensor, use, type Tensor } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import type { AnyModule } from '@tessera/layers';
import { EuclideanRBF, LENET5_C3_TABLE, ModelConfigError, PartialConv2d, ScaledTanh, Subsampling2d, lenet5 } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});
const conv = (i: number, o: number, k: number) => i * o * k * k + o;
const linear = (i: number, o: number) => i * o + o;
const children = (net: AnyModule): Record<string, AnyModule> => Object.fromEntries(net.namedChildren());

/** Table I of LeCun et al. (1998), rebuilt from its description. */
function paperTable(): number[][] {
  const window = (start: number, n: number) => Array.from({ length: n }, (_, k) => (start + k) % 6).sort((a, b) => a - b);
  return [
    ...Array.from({ length: 6 }, (_, j) => window(j, 3)), // 6 maps: 3 contiguous S2 maps
    ...Array.from({ length: 6 }, (_, j) => window(j, 4)), // 6 maps: 4 contiguous
    [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], // 3 maps: 4 non-contiguous
    [0, 1, 2, 3, 4, 5], // 1 map: all six
  ];
}

describe('lenet5 1998 (LeCun, Bottou, Bengio, Haffner)', () => {
  it("C3's connection table is the paper's Table I", () => {
    expect(LENET5_C3_TABLE.map((r) => [...r])).toEqual(paperTable());
    // Each S2 map feeds 10 C3 maps (every row of Table I has ten X's).
    for (let i = 0; i < 6; i++) expect(LENET5_C3_TABLE.filter((r) => r.includes(i))).toHaveLength(10);
  });

  it('parameter and connection counts of every layer, derived from the architecture', () => {
    const net = lenet5({ variant: '1998' });
    const k = children(net);
    const c3Params = paperTable().reduce((n, r) => n + r.length * 25 + 1, 0);
    const expected = { c1: conv(1, 6, 5), s2: 6 * 2, c3: c3Params, s4: 16 * 2, c5: conv(16, 120, 5), f6: linear(120, 84), output: 84 * 10 };
    for (const [name, n] of Object.entries(expected)) expect(k[name]!.numParameters(), name).toBe(n);
    expect(expected).toEqual({ c1: 156, s2: 12, c3: 1_516, s4: 32, c5: 48_120, f6: 10_164, output: 840 });
    expect(net.numParameters()).toBe(60_840);
    // Connections: shared weights are used at every output position; a subsampling unit has 4 inputs + bias.
    const connections = expected.c1 * 28 * 28 + 5 * 6 * 14 * 14 + c3Params * 10 * 10 + 5 * 16 * 5 * 5 + expected.c5 + expected.f6 + expected.output;
    expect(c3Params * 100).toBe(151_600);
    expect(connections).toBe(340_908);
    expect(lenet5({ variant: '1998', output: 'linear' }).numParameters()).toBe(60_840 - 840 + linear(84, 10));
  });

  it('C3 stores only the real kernels; absent connections are zero in the conv weight and carry no gradient', async () => {
    const c3 = new PartialConv2d(6, LENET5_C3_TABLE, 5);
    expect(c3.weight.shape).toEqual([60, 5, 5]);
    const kernel = (await c3.kernel().array()) as number[][][][];
    const w = (await c3.weight.array()) as number[][][];
    let c = 0;
    LENET5_C3_TABLE.forEach((inputs, o) => {
      for (let i = 0; i < 6; i++) {
        if (inputs.includes(i)) {
          expect(kernel[o]![i]).toEqual(w[c]);
          // LeCun's initialisation: U(±2.4/F), F = this map's fan-in.
          expect(Math.max(...w[c++]!.flat().map(Math.abs))).toBeLessThanOrEqual(2.4 / (inputs.length * 25));
        }
        else expect(kernel[o]![i]!.flat().every((v) => v === 0)).toBe(true);
      }
    });
    const x = randn([1, 6, 14, 14]);
    for (let o = 0; o < 16; o++) {
      const dx = gradOf((t: Tensor) => c3.call(t).narrow(1, o, 1).sum())(x);
      const perMap = (await dx.abs().sum([0, 2, 3]).data()) as Float32Array;
      for (let i = 0; i < 6; i++) {
        if (LENET5_C3_TABLE[o]!.includes(i)) expect(perMap[i], `C3 map ${o} sees S2 map ${i}`).toBeGreaterThan(0);
        else expect(perMap[i], `C3 map ${o} ignores S2 map ${i}`).toBe(0);
      }
    }
    expect(() => new PartialConv2d(6, [[0, 6]], 5)).toThrow(ModelConfigError);
  });

  it('subsampling, squashing and RBF units compute what the paper says', async () => {
    const s = new Subsampling2d(1);
    const [coef] = (await s.weight.data()) as Float32Array;
    const [bias] = (await s.bias.data()) as Float32Array;
    const y = await s.call(tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] })).data();
    expect(y[0]).toBeCloseTo(10 * coef! + bias!, 5);
    const f = await new ScaledTanh().call(tensor([1, -2])).data();
    expect(f[0]).toBeCloseTo(1.7159 * Math.tanh(2 / 3), 5);
    expect(f[1]).toBeCloseTo(1.7159 * Math.tanh(-4 / 3), 5);
    const rbf = new EuclideanRBF(3, 2);
    const wr = (await rbf.weight.array()) as number[][];
    expect(wr.flat().every((v) => v === 1 || v === -1)).toBe(true);
    const x = [0.5, -1, 2];
    const expected = wr.map((row) => row.reduce((acc, wj, j) => acc + (x[j]! - wj) ** 2, 0));
    const pen = await rbf.penalties(tensor([x])).data();
    const logits = await rbf.call(tensor([x])).data();
    expected.forEach((e, i) => {
      expect(pen[i]).toBeCloseTo(e, 5);
      expect(logits[i]).toBeCloseTo(-e, 5);
    });
  });

  it('output shape on [2, 1, 32, 32] and one step lowers the loss (RBF output as logits)', async () => {
    const net = lenet5({ variant: '1998' });
    expect(net.call(randn([2, 1, 32, 32])).shape).toEqual([2, 10]);
    await expectStepLowersLoss(net, [4, 1, 32, 32], 10, 0.01);
  });
});

describe('lenet5 modern', () => {
  it('count from the table, shape, step', async () => {
    const net = lenet5();
    expect(net.numParameters()).toBe(conv(1, 6, 5) + conv(6, 16, 5) + linear(400, 120) + linear(120, 84) + linear(84, 10));
    expect(net.call(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    await expectStepLowersLoss(net, [4, 1, 28, 28], 10, 0.05);
  });
  it('rejects an RBF output and unknown variants', () => {
    expect(() => lenet5({ output: 'rbf' })).toThrow(ModelConfigError);
    expect(() => lenet5({ variant: '1989' as 'modern' })).toThrow(/lenet5: unknown variant/);
  });
});
