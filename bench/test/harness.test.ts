import { describe, expect, it } from 'vitest';
import { onnxAdapter } from '../src/adapters/onnx.js';
import { tfjsAdapter } from '../src/adapters/tfjs.js';
import { chwRowsToHwc, cnnData, hwcRowsToChw, hwioToOihw, matmulData, oihwToHwio, rng, sgdGradient, uniform } from '../src/data.js';
import { ProtoWriter } from '../src/onnx/protobuf.js';
import { median, measure } from '../src/timing.js';
import { parseArgs } from '../src/cli.js';

describe('protobuf writer', () => {
  it('encodes varints, strings, floats and packed fields as the wire format specifies', () => {
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().string(2, 'hi').finish()]).toEqual([0x12, 2, 0x68, 0x69]);
    expect([...new ProtoWriter().float(2, 1).finish()]).toEqual([0x15, 0, 0, 0x80, 0x3f]);
    expect([...new ProtoWriter().packedInts(1, [3, 270]).finish()]).toEqual([0x0a, 3, 3, 0x8e, 0x02]);
    expect(new ProtoWriter().int(3, -1).finish().length).toBe(11); // negative int64: 10-byte varint
  });
});

describe('layouts', () => {
  it('OIHW ↔ HWIO and CHW ↔ HWC row orders are inverse permutations', () => {
    const w = uniform(64 * 32 * 5 * 5, rng(1));
    const shape = [64, 32, 5, 5];
    const hwio = oihwToHwio(w, shape);
    expect(hwio).not.toEqual(w);
    expect(hwioToOihw(hwio, shape)).toEqual(w);
    const fc = uniform(256 * 7, rng(2));
    expect(hwcRowsToChw(chwRowsToHwc(fc, [64, 2, 2], 7), [64, 2, 2], 7)).toEqual(fc);
  });

  it('recovers the gradient from an SGD update', () => {
    const g = sgdGradient(Float32Array.of(1, 2), Float32Array.of(0.99, 2.02));
    expect(g[0]).toBeCloseTo(1, 4);
    expect(g[1]).toBeCloseTo(-2, 4);
  });
});

describe('timing and cli', () => {
  it('medians and bounded runs', async () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    let n = 0;
    const t = await measure(
      { run: async () => Float32Array.of(++n), dispose: () => {} },
      { warmupRuns: 2, minTimeMs: 0, maxTimeMs: 1000, minRuns: 3, maxRuns: 5, slowRunMs: 1000 },
    );
    expect(t.runs).toBe(3);
    expect([...t.probe]).toEqual([1]);
  });

  it('parses flags over environment variables', () => {
    const o = parseArgs(['--quick', '--filter=cnn,mlp'], { BENCH_FILTER: 'matmul', BENCH_LIBS: 'onnx' });
    expect(o).toMatchObject({ quick: true, filter: ['cnn', 'mlp'], libs: ['onnx'] });
    expect(() => parseArgs(['--nope'], {})).toThrow(/unknown argument/);
  });
});

describe('in-memory ONNX models', () => {
  it('MatMul matches a plain JS product', async () => {
    const a = onnxAdapter();
    await a.init();
    const d = matmulData(16);
    const r = await a.matmul!(d);
    const c = await r.run();
    r.dispose();
    for (const [i, j] of [[0, 0], [3, 7], [15, 15]]) {
      let s = 0;
      for (let k = 0; k < 16; k++) s += d.a[i * 16 + k] * d.b[k * 16 + j];
      expect(c[i * 16 + j]).toBeCloseTo(s, 4);
    }
  });

  it('the CNN gives the logits tfjs computes from the same weights', async () => {
    const d = cnnData(4);
    const o = onnxAdapter();
    await o.init();
    const t = tfjsAdapter('cpu');
    await t.init();
    const ro = await o.cnnInfer!(d);
    const rt = await t.cnnInfer!(d);
    const [lo, lt] = [await ro.run(), await rt.run()];
    ro.dispose();
    rt.dispose();
    expect(lo.length).toBe(40);
    let maxDiff = 0;
    for (let i = 0; i < 40; i++) maxDiff = Math.max(maxDiff, Math.abs(lo[i] - lt[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
