import { beforeAll, describe, expect, it } from 'vitest';
import { use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import { Sequential, ReLU } from '@tessera/layers';
import { fineTuneGroups, freezeBackbone, headName, inHead, mlp, mnistCnn, replaceHead, resnet, summary, vggMini } from '../src/index.js';

beforeAll(() => use(cpu()));

describe('transfer learning and summary', () => {
  it('replaces the head, freezes the backbone, builds lr groups', () => {
    const net = replaceHead(resnet('resnet20'), 3);
    expect(net.fc.weight.shape).toEqual([3, 64]);
    freezeBackbone(net);
    expect(net.numParameters(true)).toBe(64 * 3 + 3);
    const groups = fineTuneGroups(net, { headLr: 0.1, backboneLr: 0.01 });
    expect(groups.map((g) => g.lr)).toEqual([0.01, 0.1]);
    expect(groups[1]!.params.length).toBe(2);
    expect(() => new SGD(groups, { lr: 0.1 })).not.toThrow();
  });
  it('finds the head: fc of a ResNet, else the last Linear; none is a clear error', () => {
    expect(headName(resnet('resnet20'))).toBe('fc');
    expect(headName(mnistCnn())).toBe('9');
    const vgg = vggMini();
    const last = headName(vgg);
    expect(vgg.stateDict()[`${last}.weight`]!.shape).toEqual([10, 128]);
    expect(headName(mlp({ inFeatures: 4, hidden: [8], outFeatures: 2 }))).toMatch(/^[\w.]+$/);
    expect(() => headName(new Sequential(new ReLU()))).toThrow(/no Linear layer.*classifier is a Linear/);
    expect(inHead('fc.weight', 'fc')).toBe(true);
    expect(inHead('fc2.weight', 'fc')).toBe(false);
    expect(inHead('9.bias', '9')).toBe(true);
  });
  it('prints a summary table with the total', () => {
    const s = summary(mnistCnn(), [1, 1, 28, 28]);
    expect(s).toMatch(/105,?506/);
  });
});
