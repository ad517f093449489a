import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { ModelConfigError, vgg } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

describe('vgg', () => {
  it("torchvision's published counts for VGG-16 and VGG-19", () => {
    expect(vgg('D').numParameters()).toBe(138_357_544);
    expect(vgg('E').numParameters()).toBe(143_667_240);
  });
  it('torchvision names', () => {
    const names = vgg('A', { hidden: 8 }).namedParameters().map(([n]) => n);
    expect(names[0]).toBe('features.0.weight');
    expect(names.at(-1)).toBe('classifier.6.bias');
  });
  it('A-LRN, C and batch norm: count from the layer table, shape, step', async () => {
    const conv = (i: number, o: number, k = 3) => i * o * k * k + o;
    const head = (h: number) => 512 * 49 * h + h + h * h + h + h * 5 + 5;
    const a = conv(3, 64) + conv(64, 128) + conv(128, 256) + conv(256, 256) + conv(256, 512) + 3 * conv(512, 512);
    expect(vgg('A-LRN', { hidden: 8, numClasses: 5 }).numParameters()).toBe(a + head(8));
    const bnA = vgg('A', { hidden: 8, numClasses: 5, batchNorm: true });
    expect(bnA.numParameters()).toBe(a + 2 * (64 + 128 + 256 * 2 + 512 * 4) + head(8));
    const b = conv(3, 64) + conv(64, 64) + conv(64, 128) + conv(128, 128) + conv(128, 256) + conv(256, 256) + conv(256, 512) + 3 * conv(512, 512);
    expect(vgg('B', { hidden: 8, numClasses: 5 }).numParameters()).toBe(b + head(8));
    const c = vgg('C', { hidden: 8, numClasses: 5 });
    expect(c.numParameters()).toBe(conv(3, 64) + conv(64, 64) + conv(64, 128) + conv(128, 128) + 2 * conv(128, 256) - conv(128, 256) + conv(256, 256) + conv(256, 256, 1)
      + conv(256, 512) + conv(512, 512) + conv(512, 512, 1) + 2 * conv(512, 512) + conv(512, 512, 1) + head(8));
    const small = vgg('A-LRN', { hidden: 8, numClasses: 5, dropout: 0 });
    expect(small.call(randn([2, 3, 32, 32])).shape).toEqual([2, 5]);
    await expectStepLowersLoss(small, [2, 3, 32, 32], 5, 0.01);
  });
  it('typed error for an unknown config', () => {
    expect(() => vgg('F' as 'A')).toThrow(ModelConfigError);
  });
});
