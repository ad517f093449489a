import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, type Tensor, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { decodeSafetensors, encodeSafetensors, encodeSafetensorsAsync, readSafetensorsHeader } from '../src/io/index.js';
import { bitsOf32, bitsOf64, f32Bits, i64, safetensorsFile, u16 } from './io-spec.js';

beforeAll(() => use(cpu()));

const disposeAll = (d: Record<string, Tensor>): void => Object.values(d).forEach((t) => t.dispose());
const text = (b: Uint8Array, from: number, to: number): string => new TextDecoder().decode(b.subarray(from, to));
const headerLength = (b: Uint8Array): number => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));

describe('decodeSafetensors: a file written byte by byte from the spec', () => {
  // Header deliberately not in offset order, with metadata in the middle: readers sort by offset.
  const header = JSON.stringify({
    half: { dtype: 'F16', shape: [2, 3], data_offsets: [40, 52] },
    w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    __metadata__: { format: 'pt', note: 'hand made' },
    num_batches_tracked: { dtype: 'I64', shape: [], data_offsets: [8, 16] },
    big: { dtype: 'I64', shape: [3], data_offsets: [16, 40] },
    b: { dtype: 'BF16', shape: [2], data_offsets: [52, 56] },
    m: { dtype: 'BOOL', shape: [3], data_offsets: [56, 59] },
    u: { dtype: 'U8', shape: [2], data_offsets: [59, 61] },
  });
  const data = [
    ...f32Bits(0x3fc00000), // 1.5
    ...f32Bits(0xbe800000), // -0.25
    ...i64(7n),
    ...i64(-5n),
    ...i64(0n),
    ...i64(2147483647n),
    ...u16(0x3c00), // 1
    ...u16(0xc000), // -2
    ...u16(0x3555), // 2^(13-15)·(1 + 341/1024) = 0.333251953125
    ...u16(0x0001), // smallest subnormal, 2^-24
    ...u16(0x7c00), // +Infinity
    ...u16(0x8000), // -0
    ...u16(0x3f80), // BF16 1
    ...u16(0xc049), // BF16: sign 1, exponent 0x80 (2^1), mantissa 0x49/128 → -2·(1 + 73/128) = -3.140625
    1, 0, 1, // BOOL
    255, 0, // U8
  ];

  it('decodes every tensor to the exact values, dtypes and shapes', () => {
    for (const pad of [true, false]) {
      const before = memory().numTensors;
      const { tensors, metadata, dtypes } = decodeSafetensors(safetensorsFile(header, data, pad));
      expect(metadata).toEqual({ format: 'pt', note: 'hand made' });
      expect(dtypes).toEqual({ w: 'F32', num_batches_tracked: 'I64', big: 'I64', half: 'F16', b: 'BF16', m: 'BOOL', u: 'U8' });
      expect(Object.keys(tensors)).toEqual(['w', 'num_batches_tracked', 'big', 'half', 'b', 'm', 'u']);
      const { w, num_batches_tracked: nbt, big, half, b, m, u } = tensors;
      expect([w.dtype, nbt.dtype, big.dtype, half.dtype, b.dtype, m.dtype, u.dtype]).toEqual(['float32', 'int32', 'int32', 'float32', 'float32', 'bool', 'int32']);
      expect(Array.from(w.dataSync())).toEqual([1.5, -0.25]);
      expect(nbt.shape).toEqual([]);
      expect(nbt.itemSync()).toBe(7);
      expect(Array.from(big.dataSync())).toEqual([-5, 0, 2147483647]);
      expect(half.shape).toEqual([2, 3]);
      const h = Array.from(half.dataSync());
      expect(h.slice(0, 5)).toEqual([1, -2, 0.333251953125, 2 ** -24, Infinity]);
      expect(Object.is(h[5], -0)).toBe(true);
      expect(Array.from(b.dataSync())).toEqual([1, -3.140625]);
      expect(Array.from(m.dataSync())).toEqual([1, 0, 1]);
      expect(Array.from(u.dataSync())).toEqual([255, 0]);
      disposeAll(tensors);
      expect(memory().numTensors).toBe(before);
    }
  });

  it('F16 half-precision edge cases widen exactly (max, subnormal, NaN)', () => {
    const f = safetensorsFile(JSON.stringify({ h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }), [
      ...u16(0x7bff), // max half: 2^15·(1 + 1023/1024) = 65504
      ...u16(0x03ff), // largest subnormal: 1023·2^-24
      ...u16(0xfc00), // -Infinity
      ...u16(0x7e00), // NaN
    ]);
    const { tensors } = decodeSafetensors(f);
    const v = Array.from(tensors.h.dataSync());
    expect(v.slice(0, 3)).toEqual([65504, 1023 * 2 ** -24, -Infinity]);
    expect(Number.isNaN(v[3])).toBe(true);
    disposeAll(tensors);
  });

  it('reads a file that sits at an odd offset inside a larger buffer', () => {
    const f = safetensorsFile(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }), [...f32Bits(0x3fc00000), ...f32Bits(0xbe800000)]);
    const big = new Uint8Array(f.length + 3);
    big.set(f, 3);
    const { tensors } = decodeSafetensors(big.subarray(3));
    expect(Array.from(tensors.w.dataSync())).toEqual([1.5, -0.25]);
    disposeAll(tensors);
  });

  it('accepts an ArrayBuffer and creates tensors on the requested backend', () => {
    const f = safetensorsFile(JSON.stringify({ w: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }), [0xff, 0xff, 0xff, 0xff]);
    const { tensors } = decodeSafetensors(f.buffer.slice(0), { backend: 'cpu' });
    expect(tensors.w.backend).toBe('cpu');
    expect(tensors.w.itemSync()).toBe(-1);
    disposeAll(tensors);
  });
});

describe('encodeSafetensors → decodeSafetensors round trip', () => {
  const f32 = new Float32Array(new Uint32Array([0x7fc00001, 0xffc00000, 0x80000000, 0, 0x00000001, 0x007fffff, 0x7f800000, 0xff800000, 0x7f7fffff, 0x3eaaaaab]).buffer);
  const f64 = new Float64Array(new BigUint64Array([0x7ff8000000000001n, 0x8000000000000000n, 1n, 0x7fefffffffffffffn, 0xfff0000000000000n, 0x400921fb54442d18n]).buffer);

  function check(dict: Record<string, Tensor>, bytes: Uint8Array): void {
    const { tensors } = decodeSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(dict).sort());
    for (const [k, t] of Object.entries(dict)) {
      const got = tensors[k];
      expect(got.dtype, k).toBe(t.dtype);
      expect(got.shape, k).toEqual(t.shape);
      const a = got.dataSync();
      const e = t.dataSync();
      if (t.dtype === 'float32') expect(bitsOf32(a as Float32Array), k).toEqual(bitsOf32(e as Float32Array));
      else if (t.dtype === 'float64') expect(bitsOf64(a), k).toEqual(bitsOf64(e));
      else expect(Array.from(a), k).toEqual(Array.from(e));
    }
    disposeAll(tensors);
  }

  it('is bit exact for every dtype (NaN payloads, −0, subnormals, extremes), sync and async', async () => {
    const dict = {
      f32: tensor(f32, { shape: [2, 5] }),
      f64: tensor(f64, { shape: [3, 2] }),
      i32: tensor(new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, -1, 12345]), { shape: [5] }),
      bool: tensor([true, false, true, true], { shape: [2, 2] }),
      scalar: tensor(new Float32Array([Math.E]), { shape: [] }),
      empty: tensor(new Float32Array(0), { shape: [0, 3] }),
    };
    // the inputs really hold the tricky bit patterns
    expect(bitsOf32(dict.f32.dataSync() as Float32Array)[0]).toBe(0x7fc00001);
    const sync = encodeSafetensors(dict);
    check(dict, sync);
    const asyncBytes = await encodeSafetensorsAsync(dict);
    expect(Array.from(asyncBytes)).toEqual(Array.from(sync));
    disposeAll(dict);
  });

  it('keeps metadata and leaves the encoded tensors alive', () => {
    tidy(() => {
      const w = tensor([1, 2, 3]);
      const { metadata, tensors } = decodeSafetensors(encodeSafetensors({ w }, { format: 'pt', 'ünïcode ✓': 'yes "quoted"\n' }));
      expect(metadata).toEqual({ format: 'pt', 'ünïcode ✓': 'yes "quoted"\n' });
      expect(Array.from(w.dataSync())).toEqual([1, 2, 3]);
      expect(Array.from(tensors.w.dataSync())).toEqual([1, 2, 3]);
    });
  });
});

describe('encoded layout', () => {
  it('matches the reference writer byte for byte (length prefix, compact JSON, space padding, data)', () => {
    const t = tensor([0, 1, 2, 3, 4, 5], { shape: [1, 2, 3] });
    const bytes = encodeSafetensors({ 'attn.0': t });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64); // already a multiple of 8: no padding
    const want = safetensorsFile(json, [0, 1, 2, 3, 4, 5].flatMap((v) => Array.from(new Uint8Array(new Float32Array([v]).buffer))));
    expect(Array.from(bytes)).toEqual(Array.from(want));
    expect(Array.from(encodeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
    t.dispose();
  });

  it('orders tensors by descending dtype alignment then name, metadata first and sorted, 8-byte aligned', () => {
    tidy(() => {
      const dict = {
        b: tensor([1, 2]),
        e: tensor([true]),
        a: tensor([3]),
        d: tensor([4], { dtype: 'int32' }),
        c: tensor([5], { dtype: 'float64' }),
        '0': tensor([6]),
      };
      const bytes = encodeSafetensors(dict, { z: '1', format: 'pt' });
      const n = headerLength(bytes);
      expect(n % 8).toBe(0);
      const header = text(bytes, 8, 8 + n);
      const body =
        '{"__metadata__":{"format":"pt","z":"1"},' +
        '"c":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
        '"0":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' +
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},' +
        '"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},' +
        '"d":{"dtype":"I32","shape":[1],"data_offsets":[24,28]},' +
        '"e":{"dtype":"BOOL","shape":[1],"data_offsets":[28,29]}}';
      expect(header.trimEnd()).toBe(body);
      expect(header.length - body.length).toBe((8 - (body.length % 8)) % 8);
      expect(/^ *$/.test(header.slice(body.length))).toBe(true);
      expect(bytes.length).toBe(8 + n + 29);
      const dv = new DataView(bytes.buffer, 8 + n);
      expect(dv.getFloat64(0, true)).toBe(5);
      expect(dv.getFloat32(8, true)).toBe(6);
      expect(dv.getInt32(24, true)).toBe(4);
      expect(dv.getUint8(28)).toBe(1);
      expect(readSafetensorsHeader(bytes).entries.map((e) => e.name)).toEqual(['c', '0', 'a', 'b', 'd', 'e']);
    });
  });

  it('rejects a tensor named __metadata__ and non-string metadata', () => {
    tidy(() => {
      expect(() => encodeSafetensors({ __metadata__: tensor([1]) })).toThrow(/'__metadata__' is reserved/);
      expect(() => encodeSafetensors({ a: tensor([1]) }, { n: 3 as unknown as string })).toThrow(/metadata 'n' must be a string/);
    });
  });
});

describe('corrupt and truncated files → DataError naming the problem', () => {
  const good = (): Uint8Array =>
    safetensorsFile(
      JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] } }),
      [...f32Bits(0x3f800000), ...f32Bits(0x40000000), 9, 0, 0, 0],
    );
  const one = (entries: object, data: number[]): Uint8Array => safetensorsFile(JSON.stringify(entries), data);
  const rejects = (bytes: Uint8Array, msg: RegExp): void => {
    const before = memory().numTensors;
    let err: unknown;
    try {
      decodeSafetensors(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(msg);
    expect(memory().numTensors).toBe(before);
  };

  it('the untouched fixture loads (so each case below fails for its own reason)', () => {
    const { tensors } = decodeSafetensors(good());
    expect(Array.from(tensors.a.dataSync())).toEqual([1, 2]);
    disposeAll(tensors);
  });

  it('files shorter than the length prefix', () => {
    rejects(new Uint8Array(5), /file is 5 bytes, shorter than the 8-byte header length prefix/);
  });

  it('a length prefix over the 100 MB limit', () => {
    const f = good();
    new DataView(f.buffer).setBigUint64(0, 2n ** 40n, true);
    rejects(f, /header length prefix says 1099511627776 bytes, over the 100000000-byte limit/);
  });

  it('a header cut short', () => {
    const f = good();
    const n = headerLength(f);
    const cut = f.subarray(0, 8 + n - 10);
    rejects(cut, new RegExp(`header says ${n} bytes but file has ${n - 10} after the 8-byte length prefix .*truncated`));
  });

  it('data cut short names the tensor that runs past the end', () => {
    const f = good();
    rejects(f.subarray(0, f.length - 2), /tensor 'b' ends at byte 12 of the data buffer but the file holds only 10 data bytes.*truncated/);
  });

  it('bytes after the last tensor', () => {
    const f = good();
    const longer = new Uint8Array(f.length + 3);
    longer.set(f);
    rejects(longer, /3 bytes follow the last tensor/);
  });

  it('a header that is not UTF-8, not JSON, or not an object', () => {
    const f = good();
    f[8 + 2] = 0xff; // inside the first key
    rejects(f, /header is not valid UTF-8/);
    rejects(safetensorsFile('{"a": {"dtype": "F32",', []), /header is not valid JSON/);
    rejects(safetensorsFile('[1, 2]', []), /header must be a JSON object but is an array/);
  });

  it('shape × dtype size that disagrees with the offsets span', () => {
    rejects(one({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Array(8).fill(0)), /tensor 'a': shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] span 8/);
  });

  it('overlapping tensors and gaps', () => {
    const two = (b: [number, number]) => ({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, c: { dtype: 'F32', shape: [2], data_offsets: b } });
    rejects(one(two([4, 12]), new Array(12).fill(0)), /tensor 'c' \(bytes 4–12\) overlaps tensor 'a' \(which ends at byte 8\)/);
    rejects(one(two([12, 20]), new Array(20).fill(0)), /bytes 8–12 of the data buffer belong to no tensor \(gap before 'c'\)/);
    rejects(one({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Array(8).fill(0)), /bytes 0–4 of the data buffer belong to no tensor/);
  });

  it('a duplicated tensor name (JSON keeps the last) leaves bytes no tensor owns', () => {
    const dup = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    rejects(safetensorsFile(dup, new Array(8).fill(0)), /bytes 0–4 of the data buffer belong to no tensor \(gap before 'a'\)/);
  });

  it('malformed entries: unknown dtype, bad shape, bad offsets, non-string metadata', () => {
    rejects(one({ a: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, [0]), /tensor 'a': unknown dtype "Q7"/);
    rejects(one({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /shape must be an array of non-negative integers/);
    rejects(one({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, [0, 0, 0, 0]), /data_offsets must be \[begin, end\]/);
    rejects(one({ a: 5 }, []), /tensor 'a': expected an object/);
    rejects(one({ __metadata__: { n: 3 } }, []), /__metadata__ value of 'n' must be a string/);
  });

  it('values Tessera cannot hold: F8, I64 beyond int32, BOOL bytes other than 0/1 (nothing leaks)', () => {
    const f32 = { w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } };
    rejects(one({ ...f32, q: { dtype: 'F8_E4M3', shape: [1], data_offsets: [4, 5] } }, [0, 0, 0, 0, 1]), /tensor 'q' is F8_E4M3, which Tessera cannot read \(readable: .*F16.*\)/);
    rejects(one({ ...f32, n: { dtype: 'I64', shape: [1], data_offsets: [4, 12] } }, [0, 0, 0, 0, ...i64(2n ** 31n)]), /I64 tensor 'n' holds 2147483648 at element 0, outside int32/);
    rejects(one({ ...f32, m: { dtype: 'BOOL', shape: [2], data_offsets: [4, 6] } }, [0, 0, 0, 0, 1, 2]), /BOOL tensor 'm' holds byte 2 at element 1/);
  });
});
