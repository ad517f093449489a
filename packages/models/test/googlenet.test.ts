import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { stateDict } from '@tessera/layers';
import { INCEPTION_TABLE, ModelConfigError, googlenet, type InceptionWidths } from '../src/index.js';
import { expectStepLowersLoss } from './helpers.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

/** conv without bias + batch norm (weight, bias). */
const basic = (i: number, o: number, k: number) => i * o * k * k + 2 * o;
const linear = (i: number, o: number) => i * o + o;
const inception = (c: number, [c1, r3, c3, r5, c5, pp]: InceptionWidths, k5: number) =>
  basic(c, c1, 1) + basic(c, r3, 1) + basic(r3, c3, 3) + basic(c, r5, 1) + basic(r5, c5, k5) + basic(c, pp, 1);

/** The parameter count from the layer table (stem, Table 1's Inception widths, aux heads, fc). */
function fromTable(k5: number, classes: number, aux: boolean): number {
  let c = 192;
  let n = basic(3, 64, 7) + basic(64, 64, 1) + basic(64, 192, 3);
  const auxHead = (i: number) => basic(i, 128, 1) + linear(2048, 1024) + linear(1024, classes);
  for (const [name, w] of Object.entries(INCEPTION_TABLE)) {
    n += inception(c, w, k5);
    c = w[0] + w[2] + w[4] + w[5];
    if (aux && (name === 'inception4a' || name === 'inception4d')) n += auxHead(c);
  }
  return n + linear(c, classes);
}

describe('googlenet', () => {
  it("torchvision's published count (no aux heads) and names", () => {
    const net = googlenet();
    expect(fromTable(3, 1000, false)).toBe(6_624_904);
    expect(net.numParameters()).toBe(6_624_904);
    const names = net.namedParameters().map(([n]) => n);
    expect(names.slice(0, 3)).toEqual(['conv1.conv.weight', 'conv1.bn.weight', 'conv1.bn.bias']);
    expect(names).toContain('inception3a.branch1.conv.weight');
    expect(names).toContain('inception3a.branch2.1.conv.weight');
    expect(names).toContain('inception5b.branch4.1.bn.bias');
    expect(names.at(-1)).toBe('fc.bias');
    expect(Object.keys(stateDict(net))).toContain('inception4e.branch3.0.bn.running_var');
  });
  it('aux heads and the paper variant: counts from the layer table', () => {
    const aux = googlenet({ auxLogits: true });
    expect(aux.numParameters()).toBe(fromTable(3, 1000, true));
    expect(aux.namedParameters().map(([n]) => n)).toContain('aux2.fc1.weight');
  });
  it('paper variant (true 5×5 kernels): count from the layer table, shape on 64×64, one step lowers the loss', async () => {
    const net = googlenet({ variant: 'paper', numClasses: 10, dropout: 0 });
    expect(net.numParameters()).toBe(fromTable(5, 10, false));
    expect(net.call(randn([2, 3, 64, 64])).shape).toEqual([2, 10]);
    await expectStepLowersLoss(net, [2, 3, 64, 64], 10, 0.01);
  });
  it('forward shapes on a 64×64 input, with aux logits in training; one step lowers the loss', async () => {
    const net = googlenet({ auxLogits: true, numClasses: 5, dropout: 0, auxDropout: 0 });
    const out = net.forwardWithAux(randn([2, 3, 64, 64]));
    expect(out.logits.shape).toEqual([2, 5]);
    expect(out.aux1!.shape).toEqual([2, 5]);
    expect(out.aux2!.shape).toEqual([2, 5]);
    net.eval();
    expect(net.forwardWithAux(randn([1, 3, 64, 64])).aux1).toBeUndefined();
    net.train();
    await expectStepLowersLoss(net, [2, 3, 64, 64], 5, 0.01);
  });
  it('typed error for bad options', () => {
    expect(() => googlenet({ numClasses: 0 })).toThrow(ModelConfigError);
  });
});
