import { beforeAll, describe, expect, it } from 'vitest';
import { use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import { fineTuneGroups, freezeBackbone, mnistCnn, replaceHead, resnet, summary } from '../src/index.js';

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
  it('prints a summary table with the total', () => {
    const s = summary(mnistCnn(), [1, 1, 28, 28]);
    expect(s).toMatch(/105,?506/);
  });
});
