import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, noGrad, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { type AnyModule, loadTorchWeights } from '@tessera/layers';
import { SequenceClassifier, lenet5, mlp } from '../src/index.js';

beforeAll(() => use(cpu()));

// The .pth files and PyTorch's outputs are written by layers' fixture script
// (packages/layers/test/fixtures/torch/make_pth.py, torch 1.13), which builds each model in
// PyTorch with the zoo's layout.
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../layers/test/fixtures/torch');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { input: number[]; shape: number[]; output: number[]; outShape: number[] }>;

const ZOO: [string, () => AnyModule][] = [
  ['mlp', () => mlp({ inFeatures: 6, hidden: [5, 4], outFeatures: 3 })],
  ['lenet5', () => lenet5({ numClasses: 10 })],
  ['sequence', () => new SequenceClassifier({ inputSize: 2, hiddenSize: 4, outFeatures: 3 })],
];

describe('torch.save state dicts load into the matching zoo model and give PyTorch\'s outputs', () => {
  for (const [name, build] of ZOO) {
    for (const file of [`${name}.pth`, `${name}.legacy.pth`]) {
      it(file, () => {
        const net = build();
        loadTorchWeights(net, new Uint8Array(readFileSync(join(dir, file))), { file }); // strict: every key, every shape
        const c = expected[name];
        const y = noGrad(() => net.eval().call(tensor(c.input).reshape(c.shape)) as Tensor);
        expect(y.shape).toEqual(c.outShape);
        const got = y.dataSync();
        for (let i = 0; i < c.output.length; i++) expect(Math.abs(got[i] - c.output[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(c.output[i])));
      });
    }
  }
});
