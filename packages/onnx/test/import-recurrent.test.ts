import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { decodeModelProto, importOnnx } from '../src/index.js';
import { encodeModelProto } from '../src/encode.js';
import type { AttributeProto } from '../src/proto/types.js';
import { maxRelativeError, runOnnx } from './ort.js';

beforeAll(() => use(cpu()));
const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A PyTorch fixture with every node of `opType` given these attributes (string values as bytes). */
function variant(file: string, opType: string, attrs: Record<string, number | string>): Uint8Array {
  const model = decodeModelProto(new Uint8Array(readFileSync(join(dir, file))));
  const nodes = model.graph!.node!.filter((n) => n.op_type === opType);
  expect(nodes.length).toBeGreaterThan(0);
  for (const n of nodes) {
    for (const [name, v] of Object.entries(attrs)) {
      const attr: AttributeProto = typeof v === 'number' ? { name, type: 2, i: v } : { name, type: 3, s: new TextEncoder().encode(v) };
      n.attribute = [...(n.attribute ?? []).filter((a) => a.name !== name), attr];
    }
  }
  return encodeModelProto(model);
}

/** The imported graph's output against onnxruntime's on the same input. */
async function compare(bytes: Uint8Array, shape: number[]): Promise<number> {
  manualSeed(9);
  const x = randn(shape);
  const [want] = await runOnnx(bytes, { input: x });
  const got = noGrad(() => importOnnx(bytes).eval().call(x) as Tensor);
  expect(got.shape).toEqual(want!.dims);
  return maxRelativeError(got.dataSync(), want!.data);
}

describe('importOnnx: recurrent variants PyTorch does not export, checked against onnxruntime', () => {
  it('an LSTM run in reverse', async () => {
    expect(await compare(variant('lstm.onnx', 'LSTM', { direction: 'reverse' }), [4, 6, 3])).toBeLessThanOrEqual(1e-4);
  });

  it('a GRU with linear_before_reset = 0 (the reset gate before the recurrent product)', async () => {
    expect(await compare(variant('gru.onnx', 'GRU', { linear_before_reset: 0 }), [4, 6, 3])).toBeLessThanOrEqual(1e-4);
  });

  it('unsupported recurrent settings name the node and the setting', () => {
    expect(() => importOnnx(variant('gru.onnx', 'GRU', { layout: 1 })).call(randn([4, 6, 3]))).toThrow(/GRU\): layout 1 \(batch first\) is not supported/);
  });
});
