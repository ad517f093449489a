import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, type Tensor, memory, noGrad, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../src/index.js';
import { loadTorchStateDict, loadTorchWeights, readTorchCheckpoint } from '../src/io/index.js';

beforeAll(() => use(cpu()));

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/torch');
const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
interface Case { input: number[]; shape: number[]; output: number[]; outShape: number[] }
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Case> & { mixed: Record<string, { shape: number[]; values: number[] }> };

function closeTo(got: ArrayLike<number>, want: readonly number[], tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i])));
}

describe('PyTorch checkpoints (torch 1.13 fixtures, written by test/fixtures/torch/make_pth.py)', () => {
  for (const format of ['zip', 'legacy'] as const) {
    it(`${format}: a conv + batch-norm state dict loads strictly and gives PyTorch's outputs; num_batches_tracked (int64) arrives`, () => {
      const net = new Sequential(new Conv2d(2, 3, 3), new BatchNorm2d(3), new ReLU(), new Flatten(), new Linear(48, 2));
      const file = format === 'zip' ? 'convbn.pth' : 'convbn.legacy.pth';
      const before = memory().numTensors;
      loadTorchWeights(net, read(file), { file });
      expect(memory().numTensors).toBe(before); // the decoded tensors were freed
      expect((net.stateDict()['1.num_batches_tracked'] as Tensor).itemSync()).toBe(3);
      const c = expected.convbn;
      const y = noGrad(() => net.eval().call(tensor(c.input).reshape(c.shape)));
      expect(y.shape).toEqual(c.outShape);
      closeTo(y.dataSync(), c.output, 1e-5);
      y.dispose();
      net.dispose();
    });
  }

  it('every dtype, strided views, shared storages and plain values read back exactly', () => {
    const ckpt = readTorchCheckpoint(read('mixed.pth'), { file: 'mixed.pth' }) as Map<string, unknown>;
    expect(ckpt.get('epoch')).toBe(7);
    expect(ckpt.get('lr')).toBe(0.125);
    expect(ckpt.get('name')).toBe('run-1');
    expect(ckpt.get('flags')).toEqual([true, null]);
    expect(ckpt.get('pair')).toEqual([1, 2]);
    const state = ckpt.get('state') as Map<string, Tensor>;
    expect([...state.keys()]).toEqual(Object.keys(expected.mixed));
    const dtypes = { f32: 'float32', f64: 'float64', f16: 'float32', bf16: 'float32', i64: 'int32', i32: 'int32', i16: 'int32', i8: 'int32', u8: 'int32', bool: 'bool' } as Record<string, string>;
    for (const [k, t] of state) {
      expect(t.shape, k).toEqual(expected.mixed[k].shape);
      expect(Array.from(t.dataSync(), Number), k).toEqual(expected.mixed[k].values);
      if (k in dtypes) expect(t.dtype, k).toBe(dtypes[k]);
      t.dispose();
    }
  });

  it('a checkpoint dict needs { key } unless it holds state_dict / model_state_dict / model', () => {
    expect(() => loadTorchStateDict(read('mixed.pth'), { file: 'mixed.pth' })).toThrow(/mixed\.pth: the checkpoint is a dict of state, epoch, lr, name, flags, pair, not a state dict; pass \{ key \}/);
    const dict = loadTorchStateDict(read('mixed.pth'), { file: 'mixed.pth', key: 'state' });
    expect(dict.get('transposed')!.shape).toEqual([4, 3]);
    for (const t of dict.values()) t.dispose();
  });

  it('a malicious pickle (os.system) is rejected with the global it asks for, and nothing runs', () => {
    const marker = 'PWNED_BY_PICKLE';
    const bytes = read('malicious.pth');
    expect(() => loadTorchStateDict(bytes, { file: 'malicious.pth' })).toThrow(DataError);
    expect(() => readTorchCheckpoint(bytes, { file: 'malicious.pth' })).toThrow(
      /malicious\.pth: the pickle asks for the global 'posix\.system', which a checkpoint reader does not allow .*nothing was executed/,
    );
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, marker))).toBe(false);
  });

  it('damaged or foreign files are DataErrors that say what is wrong', () => {
    const zip = read('mlp.pth');
    expect(() => loadTorchStateDict(zip.subarray(0, zip.length - 30), { file: 'cut.pth' })).toThrow(/cut\.pth: not a readable PyTorch zip checkpoint: no end-of-central-directory/);
    expect(() => loadTorchStateDict(new TextEncoder().encode('hello'), { file: 'x.txt' })).toThrow(/x\.txt: not a PyTorch checkpoint/);
    const legacy = read('mlp.legacy.pth');
    expect(() => loadTorchStateDict(legacy.subarray(0, legacy.length - 10), { file: 'l.pth' })).toThrow(/l\.pth: storage '\d+' runs past the end of the file/);
    // A pickle with an opcode torch.save never writes (INST), after a valid header.
    expect(() => readTorchCheckpoint(new Uint8Array([0x80, 0x02, 0x69, 0x6f, 0x73, 0x0a]), { file: 'p.pkl' })).toThrow(/p\.pkl: cannot read the pickle: opcode 0x69/);
  });
});
