import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { alexnet } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});
const conv = (i: number, o: number, k: number) => i * o * k * k + o;
const linear = (i: number, o: number) => i * o + o;

describe('alexnet', () => {
  it("torchvision's published count and names", () => {
    const net = alexnet();
    expect(net.numParameters()).toBe(61_100_840);
    const names = net.namedParameters().map(([n]) => n);
    expect(names[0]).toBe('features.0.weight');
    expect(names.at(-1)).toBe('classifier.6.bias');
  });
  it('torchvision layout with a small classifier: count from the table, shape on 63×63, step', async () => {
    const net = alexnet({ hidden: 64, numClasses: 10, dropout: 0 });
    expect(net.numParameters()).toBe(conv(3, 64, 11) + conv(64, 192, 5) + conv(192, 384, 3) + conv(384, 256, 3) + conv(256, 256, 3)
      + linear(256 * 36, 64) + linear(64, 64) + linear(64, 10));
    // 63 is the smallest input with a 1×1 map after the last pool: 63 → 15 → 7 → 7 → 3 → 3 → 1.
    expect(net.call(randn([2, 3, 63, 63])).shape).toEqual([2, 10]);
    await expectStepLowersLoss(net, [2, 3, 63, 63], 10, 0.01);
  });
  it('original with LRN: count from the table, shape, step', async () => {
    const net = alexnet({ variant: 'original', hidden: 8, numClasses: 4, dropout: 0 });
    expect(net.numParameters()).toBe(conv(3, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3) + conv(384, 256, 3)
      + linear(256 * 36, 8) + linear(8, 8) + linear(8, 4));
    expect(net.call(randn([2, 3, 67, 67])).shape).toEqual([2, 4]);
    await expectStepLowersLoss(net, [2, 3, 67, 67], 4, 0.01);
  });
});
