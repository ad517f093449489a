import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { ModelConfigError, lecun1989, type LeCun1989Net } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

/**
 * Each network as a layer table: per layer, its units, each unit's inputs (fan-in), and the
 * distinct weights (a shared kernel counts once; every unit has its own bias).
 */
interface Row { units: number; fanIn: number; weights: number }
const dense = (units: number, fanIn: number): Row => ({ units, fanIn, weights: units * (fanIn + 1) });
const shared = (maps: number, unitsPerMap: number, fanIn: number): Row => ({ units: maps * unitsPerMap, fanIn, weights: maps * fanIn + maps * unitsPerMap });
const TABLE: Record<LeCun1989Net, Row[]> = {
  net1: [dense(10, 256)],
  net2: [dense(12, 256), dense(10, 12)],
  net3: [dense(64, 3 * 3), dense(16, 5 * 5), dense(10, 16)], // locally connected: no sharing
  net4: [shared(2, 64, 3 * 3), dense(16, 2 * 5 * 5), dense(10, 16)],
  net5: [shared(2, 64, 3 * 3), shared(4, 16, 2 * 5 * 5), dense(10, 64)],
};
const links = (rows: Row[]) => rows.reduce((s, r) => s + r.units * (r.fanIn + 1), 0);
const weights = (rows: Row[]) => rows.reduce((s, r) => s + r.weights, 0);

// ESL Table 11.1 (Le Cun 1989): links and weights of each network.
const DECK: Record<LeCun1989Net, [number, number]> = {
  net1: [2570, 2570],
  net2: [3214, 3214],
  net3: [1226, 1226],
  net4: [2266, 1132],
  net5: [5194, 1060],
};

describe('lecun1989 Net-1 … Net-5', () => {
  for (const name of Object.keys(TABLE) as LeCun1989Net[]) {
    it(`${name}: weights from the layer table match the model and the deck; shape; step`, async () => {
      const rows = TABLE[name];
      expect([links(rows), weights(rows)]).toEqual(DECK[name]);
      const net = lecun1989(name);
      expect(net.numParameters()).toBe(weights(rows));
      expect(net.call(randn([3, 1, 16, 16])).shape).toEqual([3, 10]);
      await expectStepLowersLoss(net, [6, 1, 16, 16], 10, 0.1);
    });
  }
  it('hidden units are local: a Net-3 H1 unit sees a 3×3 patch of the input', async () => {
    const net = lecun1989('net3');
    const [pad, lc] = net.layers;
    const x = randn([1, 1, 16, 16]).requiresGrad_();
    // unit (2, 3) of H1 sees padded rows 4..6, cols 6..8, i.e. input rows 3..5, cols 5..7
    lc!.call(pad!.call(x)).narrow(2, 2, 1).narrow(3, 3, 1).sum().backward();
    const g = await x.grad!.data();
    const nonzero = [...g.keys()].filter((i) => g[i] !== 0).map((i) => [Math.floor(i / 16), i % 16]);
    expect(nonzero.length).toBe(9);
    expect(nonzero.every(([r, c]) => r! >= 3 && r! <= 5 && c! >= 5 && c! <= 7)).toBe(true);
  });
  it('typed errors: unknown network, wrong input size', () => {
    expect(() => lecun1989('net6' as 'net1')).toThrow(ModelConfigError);
    expect(() => lecun1989('net5').call(randn([1, 1, 20, 20]))).toThrow(/UntiedBiasConv2d: input \[1, 1, 20, 20\]/);
  });
});
