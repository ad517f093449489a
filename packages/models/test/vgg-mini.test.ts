import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm2d, Conv2d, Dropout, MaxPool2d, loadModel, saveModel, type Sequential } from '@tessera/layers';
import { ModelConfigError, buildModel, modelNames, registerZoo, vggMini } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

/** Parameters from the layer table: 3×3 convs with bias and BN scale/shift, then fc hidden and fc classes. */
function fromTable(c: number, widths: number[], convs: number, hw: [number, number], hidden: number, classes: number): number {
  let n = 0;
  for (const w of widths) {
    for (let i = 0; i < convs; i++) {
      n += c * w * 9 + w + 2 * w;
      c = w;
    }
  }
  const s = 2 ** widths.length;
  const features = c * Math.floor(hw[0] / s) * Math.floor(hw[1] / s);
  return n + features * hidden + hidden + hidden * classes + classes;
}

describe('vggMini', () => {
  it('defaults: 2 blocks of 2× (conv 3×3, BN, ReLU) 16 and 32 wide, maxpool, dropout 0.1; fc 128, dropout 0.3', () => {
    const net = vggMini() as Sequential;
    expect(net.numParameters()).toBe(fromTable(1, [16, 32], 2, [28, 28], 128, 10));
    expect(net.numParameters()).toBe(218_682);
    const layers = net.layers;
    expect(layers.filter((l) => l instanceof Conv2d)).toHaveLength(4);
    expect(layers.filter((l) => l instanceof BatchNorm2d)).toHaveLength(4);
    expect(layers.filter((l) => l instanceof MaxPool2d)).toHaveLength(2);
    expect(layers.filter((l) => l instanceof Dropout).map((d) => (d as Dropout).p)).toEqual([0.1, 0.1, 0.3]);
    expect(net.call(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
  });

  it('other widths, blocks and input sizes: count from the table, shape, one step lowers the loss', async () => {
    manualSeed(1);
    const net = vggMini({ inChannels: 3, numClasses: 5, inputSize: [32, 32], widths: [8, 16, 32], convsPerBlock: 1, hidden: 16, blockDropout: 0, dropout: 0 });
    expect(net.numParameters()).toBe(fromTable(3, [8, 16, 32], 1, [32, 32], 16, 5));
    expect(net.call(randn([2, 3, 32, 32])).shape).toEqual([2, 5]);
    await expectStepLowersLoss(net, [4, 3, 32, 32], 5);
  });

  it('bad options name the option and the fix', () => {
    expect(() => vggMini({ widths: [] })).toThrow(ModelConfigError);
    expect(() => vggMini({ widths: [16, 0] })).toThrow(/vggMini: option 'widths\[1\]' is 0/);
    expect(() => vggMini({ dropout: 1 })).toThrow(/vggMini: option 'dropout' is 1\. Pass a dropout probability in \[0, 1\)/);
    expect(() => vggMini({ inputSize: [4, 4], widths: [8, 8, 8] })).toThrow(/3 blocks halve a 4×4 input 3 times to nothing\. Use at most 2 blocks/);
  });

  it("is the registry's 'vgg-mini' for any C×H×W, and its model file rebuilds it", async () => {
    expect(modelNames()).toContain('vgg-mini');
    const net = buildModel('vgg-mini', { numClasses: 10, inputShape: [1, 28, 28] });
    expect(net.numParameters()).toBe(218_682);
    expect(buildModel('vgg-mini', { numClasses: 10, inputShape: [3, 32, 32] }).numParameters()).toBe(fromTable(3, [16, 32], 2, [32, 32], 128, 10));
    registerZoo();
    net.eval();
    const again = loadModel(await saveModel(net), { file: 'vgg-mini.safetensors' });
    again.eval();
    const x = randn([2, 1, 28, 28]);
    expect(again.getConfig()).toEqual(net.getConfig());
    expect(Array.from(await (again.call(x) as Tensor).data())).toEqual(Array.from(await net.call(x).data()));
  });
});
