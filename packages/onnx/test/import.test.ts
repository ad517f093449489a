import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, randn, randint, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { crossEntropyLoss } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { OnnxImportError, decodeModelProto, exportOnnx, importOnnx } from '../src/index.js';
import { encodeModelProto } from '../src/encode.js';
import { maxRelativeError } from './ort.js';
import { ZOO_CASES } from './zoo-cases.js';

beforeAll(() => use(cpu()));

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, { input: number[]; shape: number[]; output: number[]; outShape: number[] }>;
const CLASSES: Record<string, number> = { mlp: 3, cnn: 5, resnet: 3, lstm: 2, gru: 2, birnn: 2, bilstm: 3, ceilpool: 4 };
/** A parameter each file keeps under its PyTorch state-dict name. */
const NAMED: Record<string, string> = { mlp: '1.weight', cnn: '0.weight', resnet: 'fc.weight', lstm: 'fc.weight', gru: 'fc.weight', birnn: 'fc.weight', bilstm: 'fc.weight', ceilpool: '6.weight' };

describe('importOnnx: files written by torch.onnx.export (torch 1.13, opset 17; test/fixtures/make_onnx.py)', () => {
  for (const name of Object.keys(CLASSES)) {
    it(`${name}: PyTorch's outputs within 1e-4, PyTorch's parameter names, and it trains (loss falls over 20 steps)`, () => {
      const net = importOnnx(new Uint8Array(readFileSync(join(dir, `${name}.onnx`))));
      const c = expected[name];
      const y = noGrad(() => net.eval().call(tensor(c.input).reshape(c.shape)) as Tensor);
      expect(y.shape).toEqual(c.outShape);
      expect(maxRelativeError(y.dataSync(), c.output)).toBeLessThanOrEqual(1e-4);
      expect(Object.keys(net.stateDict())).toContain(NAMED[name]);
      manualSeed(5);
      const x = randn(c.shape);
      const target = randint(0, CLASSES[name], [c.shape[0]]);
      const opt = new Adam(net.parameters(), { lr: 0.02 });
      net.train();
      const losses: number[] = [];
      for (let step = 0; step < 20; step++) {
        const loss = tidy(() => {
          const out = net.call(x) as Tensor;
          return crossEntropyLoss(out, target); // cnn ends in LogSoftmax: log-softmax again changes nothing
        });
        loss.backward();
        opt.step();
        opt.zeroGrad();
        losses.push(loss.itemSync());
        loss.dispose();
      }
      expect(losses[19]).toBeLessThan(losses[0] * 0.9);
    });
  }

  it('round trip: every zoo model exported by exportOnnx imports back with the same outputs', () => {
    for (const [label, build, shape] of ZOO_CASES) {
      manualSeed(4);
      const model = build();
      const x = randn(shape);
      const back = importOnnx(exportOnnx(model, x));
      const want = noGrad(() => model.eval().call(x) as Tensor);
      const got = noGrad(() => back.call(x) as Tensor);
      expect(got.shape, label).toEqual(want.shape);
      expect(maxRelativeError(got.dataSync(), want.dataSync()), label).toBeLessThanOrEqual(1e-5);
    }
  });

  it('unsupported operators are one OnnxImportError listing each op type with its nodes', () => {
    const model = decodeModelProto(exportOnnx(ZOO_CASES[2][1](), randn(ZOO_CASES[2][2])));
    const nodes = model.graph!.node!;
    const convs = nodes.filter((n) => n.op_type === 'Conv');
    for (const n of convs) n.op_type = 'DeformConv';
    nodes[nodes.length - 1].op_type = 'Frobnicate';
    const bytes = encodeModelProto(model);
    expect(() => importOnnx(bytes)).toThrow(OnnxImportError);
    expect(() => importOnnx(bytes)).toThrow(
      new RegExp(`unsupported operator\\(s\\): DeformConv \\(nodes ${convs.map((n) => n.name).join(', ')}\\); Frobnicate \\(nodes ${nodes[nodes.length - 1].name}\\)\\. Supported: `),
    );
  });
});
