import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, type Parameter, type Tensor, manualSeed, memory, noGrad, randn, tensor, tidy, tidyAsync, use, zeros } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Buffer } from '../src/buffer.js';
import { Module, param } from '../src/module.js';
import { StateDictError } from '../src/errors.js';
import { BatchNorm2d, InstanceNorm2d } from '../src/norm/index.js';
import { decodeSafetensors, encodeSafetensors, loadWeights, saveWeights, saveWeightsAsync } from '../src/io/index.js';
import { loadSafetensorsFile, loadWeightsFile, saveSafetensorsFile, writeFileAtomic } from '../src/node.js';
import { bitsOf32, f32Bits, i64, safetensorsFile, u16 } from './io-spec.js';

beforeAll(() => use(cpu()));

/** A small layer with PyTorch-style names: weight [out, in], bias, running_mean, num_batches_tracked. */
class Affine extends Module {
  weight: Parameter;
  bias: Parameter;
  runningMean = new Buffer(zeros([2]));
  numBatchesTracked = new Buffer(zeros([], { dtype: 'int32' }));
  constructor() {
    super();
    this.weight = param(randn([2, 3]));
    this.bias = param(randn([2]));
  }
  protected override fieldKey(f: string): string {
    return f === 'runningMean' ? 'running_mean' : f === 'numBatchesTracked' ? 'num_batches_tracked' : f;
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight, { transposeB: true }).add(this.bias).sub(this.runningMean);
  }
}

class Net extends Module {
  fc = new Affine();
  head = [new Affine()];
  forward(x: Tensor): Tensor {
    return this.head[0].call(this.fc.call(x).pad([[0, 0], [0, 1]]));
  }
}

function setBuffers(n: Net, seed: number): void {
  noGrad(() => {
    n.fc.runningMean.assign(tensor([seed, -seed]));
    n.fc.numBatchesTracked.assign(tensor(seed * 10, { dtype: 'int32' }));
  });
}

const bitsOfState = (m: Module<never, unknown>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.dtype === 'int32' ? Array.from(t.dataSync()) : bitsOf32(t.dataSync() as Float32Array)]));

describe('saveWeights / loadWeights', () => {
  it('module save → load into a fresh instance is exact, predictions identical, nothing leaks', async () => {
    manualSeed(1);
    const a = new Net();
    setBuffers(a, 3);
    manualSeed(2);
    const b = new Net();
    const x = tensor([[0.5, -1, 2], [1e-3, 7, -0.25]]);
    expect(bitsOfState(b)).not.toEqual(bitsOfState(a));
    const before = memory().numTensors;
    const bytes = saveWeights(a, { format: 'pt' });
    expect(Array.from(await saveWeightsAsync(a, { format: 'pt' }))).toEqual(Array.from(bytes));
    expect(loadWeights(b, bytes)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(memory().numTensors).toBe(before);
    expect(bitsOfState(b)).toEqual(bitsOfState(a));
    expect(Object.keys(decodeSafetensors(bytes).tensors).sort()).toEqual(
      ['fc.weight', 'fc.bias', 'fc.running_mean', 'fc.num_batches_tracked', 'head.0.weight', 'head.0.bias', 'head.0.running_mean', 'head.0.num_batches_tracked'].sort(),
    );
    tidy(() => expect(bitsOf32(b.call(x).dataSync() as Float32Array)).toEqual(bitsOf32(a.call(x).dataSync() as Float32Array)));
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('strict by default: missing and unexpected keys are listed; strict: false loads what matches', () => {
    manualSeed(3);
    const net = new Net();
    const single = new Affine();
    const bytes = saveWeights(single);
    expect(() => loadWeights(net, bytes)).toThrow(StateDictError);
    expect(() => loadWeights(net, bytes)).toThrow(/missing keys: fc\.weight, .*; unexpected keys: bias, running_mean, weight, num_batches_tracked\./);
    const prefixed = Object.fromEntries(Object.entries(single.stateDict()).map(([k, t]) => [`fc.${k}`, t]));
    const res = loadWeights(net, encodeSafetensors(prefixed), { strict: false });
    expect(res.unexpectedKeys).toEqual([]);
    expect(res.missingKeys).toEqual(['head.0.weight', 'head.0.bias', 'head.0.running_mean', 'head.0.num_batches_tracked']);
    expect(Array.from(net.fc.weight.dataSync())).toEqual(Array.from(single.weight.dataSync()));
    net.dispose();
    single.dispose();
  });

  it('loads a PyTorch-style file: F16 weights into float32 parameters, I64 num_batches_tracked into int32', () => {
    const layer = new Affine();
    const header = JSON.stringify({
      weight: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] },
      bias: { dtype: 'F32', shape: [2], data_offsets: [12, 20] },
      running_mean: { dtype: 'F32', shape: [2], data_offsets: [20, 28] },
      num_batches_tracked: { dtype: 'I64', shape: [], data_offsets: [28, 36] },
      __metadata__: { format: 'pt' },
    });
    const halfs = [0x3c00, 0x4000, 0x4200, 0xbc00, 0x3800, 0x0000]; // 1, 2, 3, -1, 0.5, 0
    const file = safetensorsFile(header, [
      ...halfs.flatMap(u16),
      ...f32Bits(0x3e800000), // 0.25
      ...f32Bits(0xc1200000), // -10
      ...f32Bits(0x3f800000), // 1
      ...f32Bits(0x00000000), // 0
      ...i64(1234n),
    ]);
    loadWeights(layer, file);
    expect(layer.weight.dtype).toBe('float32');
    expect(Array.from(layer.weight.dataSync())).toEqual([1, 2, 3, -1, 0.5, 0]);
    expect(Array.from(layer.bias.dataSync())).toEqual([0.25, -10]);
    expect(Array.from(layer.runningMean.dataSync())).toEqual([1, 0]);
    expect(layer.numBatchesTracked.dtype).toBe('int32');
    expect(layer.numBatchesTracked.itemSync()).toBe(1234);
    layer.dispose();
  });

  it("writes InstanceNorm's num_batches_tracked (with trackRunningStats) as I64 too, as PyTorch does", () => {
    const inorm = new InstanceNorm2d(3, { trackRunningStats: true });
    expect(decodeSafetensors(saveWeights(inorm)).dtypes).toEqual({ running_mean: 'F32', running_var: 'F32', num_batches_tracked: 'I64' });
    inorm.dispose();
  });

  it("writes BatchNorm's num_batches_tracked as I64, as PyTorch does, and reads it back", () => {
    const bn = new BatchNorm2d(3);
    bn.numBatchesTracked!.assign(tensor(70000, { dtype: 'int32' }));
    const bytes = saveWeights(bn);
    const { tensors, dtypes } = decodeSafetensors(bytes);
    expect(dtypes).toEqual({ weight: 'F32', bias: 'F32', running_mean: 'F32', running_var: 'F32', num_batches_tracked: 'I64' });
    // The 8 bytes are the little-endian int64 70000 (high word zero).
    const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const at = 8 + len + JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))).num_batches_tracked.data_offsets[0];
    expect(new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigInt64(0, true)).toBe(70000n);
    expect(tensors.num_batches_tracked.itemSync()).toBe(70000);
    const back = new BatchNorm2d(3);
    loadWeights(back, bytes);
    expect(back.numBatchesTracked!.itemSync()).toBe(70000);
    for (const t of Object.values(tensors)) t.dispose();
    bn.dispose();
    back.dispose();
  });

  it("a buffer that asks for I64 storage must be int32", () => {
    expect(() => new Buffer(zeros([2]), { storeAs: 'I64' })).toThrow(/storeAs 'I64' needs an int32 buffer, got float32/);
  });

  it('a shape mismatch is a StateDictError naming the key and both shapes, and loads nothing', () => {
    const layer = new Affine();
    const w0 = Array.from(layer.weight.dataSync());
    const file = safetensorsFile(JSON.stringify({ weight: { dtype: 'F32', shape: [3, 2], data_offsets: [0, 24] } }), new Array(24).fill(0));
    expect(() => loadWeights(layer, file, { strict: false })).toThrow(/weight: module has \[2, 3\], dict has \[3, 2\]/);
    expect(Array.from(layer.weight.dataSync())).toEqual(w0);
    layer.dispose();
  });
});

describe('@tessera/layers/node: safetensors files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-io-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saveSafetensorsFile → loadSafetensorsFile / loadWeightsFile round trip, no temp file left', async () => {
    manualSeed(5);
    const a = new Net();
    setBuffers(a, 2);
    const b = new Net();
    const path = join(dir, 'net.safetensors');
    await saveSafetensorsFile(path, a, { format: 'pt' });
    expect(readdirSync(dir)).toEqual(['net.safetensors']);
    expect(Array.from(readFileSync(path))).toEqual(Array.from(saveWeights(a, { format: 'pt' })));
    const { tensors, metadata } = await loadSafetensorsFile(path);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Array.from(tensors['fc.weight'].dataSync())).toEqual(Array.from(a.fc.weight.dataSync()));
    Object.values(tensors).forEach((t) => t.dispose());
    await loadWeightsFile(b, path);
    expect(bitsOfState(b)).toEqual(bitsOfState(a));
    // a plain dict works too, and replaces the file
    await tidyAsync(() => saveSafetensorsFile(path, { only: tensor([1, 2]) })); // async work: tidyAsync (tidy refuses a Promise)
    const again = await loadSafetensorsFile(path);
    expect(Object.keys(again.tensors)).toEqual(['only']);
    again.tensors.only.dispose();
    a.dispose();
    b.dispose();
  });

  it('a failed write leaves no temp file and does not touch the target', async () => {
    const sub = join(dir, 'fail');
    mkdirSync(sub);
    // 1. The rename fails (the target is a directory): the written temp file is removed.
    const asDir = join(sub, 'model.safetensors');
    mkdirSync(asDir);
    const t = tensor([1, 2, 3]);
    await expect(saveSafetensorsFile(asDir, { t })).rejects.toThrow(asDir);
    expect(readdirSync(sub)).toEqual(['model.safetensors']);
    expect(readdirSync(asDir)).toEqual([]);
    // 2. Encoding fails (a disposed tensor): an existing file keeps its old contents.
    const existing = join(sub, 'old.safetensors');
    writeFileSync(existing, 'old contents');
    const gone = tensor([1]);
    gone.dispose();
    await expect(saveSafetensorsFile(existing, { t, gone })).rejects.toThrow(existing);
    expect(readFileSync(existing, 'utf8')).toBe('old contents');
    // 3. writeFileAtomic into a directory that does not exist: nothing is created.
    await expect(writeFileAtomic(join(sub, 'missing', 'x.bin'), new Uint8Array(4))).rejects.toThrow(/missing/);
    expect(readdirSync(sub).sort()).toEqual(['model.safetensors', 'old.safetensors']);
    t.dispose();
  });

  it('errors name the file: truncated file (DataError), missing file', async () => {
    const path = join(dir, 'cut.safetensors');
    const full = tidy(() => encodeSafetensors({ w: tensor([1, 2, 3]) }));
    writeFileSync(path, full.subarray(0, full.length - 4));
    const err = await loadSafetensorsFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(new RegExp(`^${path}: safetensors: tensor 'w' ends at byte 12 .* truncated`));
    await expect(loadSafetensorsFile(join(dir, 'nope.safetensors'))).rejects.toThrow(/nope\.safetensors/);
    const layer = new Affine();
    const wrong = join(dir, 'wrong.safetensors');
    await saveSafetensorsFile(wrong, { weight: layer.weight });
    await expect(loadWeightsFile(layer, wrong)).rejects.toThrow(new RegExp(`^${wrong}: loadStateDict\\(Affine\\): missing keys: bias`));
    layer.dispose();
  });
});
