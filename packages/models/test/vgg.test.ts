import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { ModelConfigError, vgg, type VGGConfig } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

/**
 * Simonyan & Zisserman, Table 1, read column by column: per block (widths 64, 128, 256,
 * 512, 512) the kernel sizes of its convs (C ends blocks 3–5 with a 1×1 conv).
 */
const PAPER: Record<VGGConfig, number[][]> = {
  A: [[3], [3], [3, 3], [3, 3], [3, 3]],
  'A-LRN': [[3], [3], [3, 3], [3, 3], [3, 3]],
  B: [[3, 3], [3, 3], [3, 3], [3, 3], [3, 3]],
  C: [[3, 3], [3, 3], [3, 3, 1], [3, 3, 1], [3, 3, 1]],
  D: [[3, 3], [3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]],
  E: [[3, 3], [3, 3], [3, 3, 3, 3], [3, 3, 3, 3], [3, 3, 3, 3]],
};
const WIDTHS = [64, 128, 256, 512, 512];

/** Parameters from the table: convs with bias (+ BN scale and shift), then the 3-layer classifier. */
function fromTable(config: VGGConfig, batchNorm: boolean, hidden: number, classes: number): number {
  let c = 3;
  let n = 0;
  PAPER[config].forEach((kernels, b) => {
    for (const k of kernels) {
      const o = WIDTHS[b]!;
      n += c * o * k * k + o + (batchNorm ? 2 * o : 0);
      c = o;
    }
  });
  return n + (512 * 49 * hidden + hidden) + (hidden * hidden + hidden) + (hidden * classes + classes);
}

describe('vgg', () => {
  // One huge construction per test, so no test blocks the worker for long.
  for (const [config, published] of [['D', 138_357_544], ['E', 143_667_240]] as const) {
    it(`torchvision's published count for ${config === 'D' ? 'VGG-16' : 'VGG-19'}, equal to the layer table's`, () => {
      expect(fromTable(config, false, 4096, 1000)).toBe(published);
      expect(vgg(config).numParameters()).toBe(published);
    });
  }

  for (const batchNorm of [false, true]) {
    for (const config of Object.keys(PAPER) as VGGConfig[]) {
      it(`${config}${batchNorm ? ' with batch norm' : ''}: count from the layer table, shape on 32×32, one step lowers the loss`, async () => {
        manualSeed(0); // each test the same, whatever runs before it
        const net = vgg(config, { hidden: 8, numClasses: 5, dropout: 0, batchNorm });
        expect(net.numParameters()).toBe(fromTable(config, batchNorm, 8, 5));
        if (config === 'A' && !batchNorm) {
          const names = net.namedParameters().map(([n]) => n);
          expect(names[0]).toBe('features.0.weight');
          expect(names.at(-1)).toBe('classifier.6.bias');
        }
        expect(net.call(randn([2, 3, 32, 32])).shape).toEqual([2, 5]);
        // Batch norm over two samples at 2×2 maps makes the loss very curved (a channel that
        // is nearly constant over 8 values is divided by a tiny deviation): a small step.
        await expectStepLowersLoss(net, [2, 3, 32, 32], 5, batchNorm ? 1e-5 : 0.01);
      });
    }
  }

  it('typed error for an unknown config', () => {
    expect(() => vgg('F' as 'A')).toThrow(ModelConfigError);
  });
});
