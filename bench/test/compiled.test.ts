import { describe, expect, it } from 'vitest';
import type { AnyKernel, BackendImpl, DataId } from '@tessera/core';
import { alternate, emptySamples, summarize } from '../src/compiled/ab.js';
import { meterBackend } from '../src/compiled/memory-meter.js';
import { NETS } from '../src/compiled/nets.js';
import { fmtLoad, fmtMiB, hostCostTable, memoryTable, throughputTable } from '../src/compiled/report.js';
import { RESULT_PREFIX, parsePartOutput } from '../src/compiled/spawn.js';
import { parseTorchOutput } from '../src/compiled/torch.js';
import type { PartResult, StepTiming } from '../src/compiled/types.js';
import { parseArgs, wantsSection } from '../src/cli.js';
import { COMPILED_ID } from '../src/compiled/section.js';

const timing = (over: Partial<StepTiming>): StepTiming => ({
  net: 'mlp', driver: 'fit', mode: 'eager', batch: 128, msPerStep: 2, cpuMsPerStep: 1.5, steps: 30, dispatchesPerStep: 40, counters: null, ...over,
});

describe('compiled section: A/B runs and summaries', () => {
  it('alternates eager and compiled runs and pools their samples', async () => {
    const order: string[] = [];
    const s = await alternate(2, async (mode, samples) => {
      order.push(mode);
      samples.epochMs.push(mode === 'eager' ? 20 : 5);
      samples.epochCpuMs.push(1);
      samples.counts.push(100);
    });
    expect(order).toEqual(['eager', 'compiled', 'eager', 'compiled']);
    expect(s.eager.epochMs).toEqual([20, 20]);
    const t = summarize(NETS.cnn, 'loop', 'compiled', s.compiled, 10, true);
    expect(t).toMatchObject({ net: 'cnn', driver: 'loop', mode: 'compiled', batch: 100, msPerStep: 0.5, cpuMsPerStep: 0.1, steps: 20, dispatchesPerStep: 10 });
    expect(summarize(NETS.cnn, 'fit', 'eager', s.eager, 10, false).dispatchesPerStep).toBeNull();
    expect(summarize(NETS.mlp, 'fit', 'eager', emptySamples(), 10, true).dispatchesPerStep).toBeNull();
  });
});

describe('compiled section: device-byte meter', () => {
  const fake = () => {
    let next = 0;
    const freed: DataId[] = [];
    const kernel = ((ctx: { out: { size: number } }) => ({ id: next++, size: ctx.out.size })) as unknown as AnyKernel;
    const impl = {
      name: 'fake', dtypes: ['float32'], kernels: { k: kernel },
      write: (values: ArrayLike<number>) => ({ id: next++, size: values.length }),
      read: async () => new Float32Array(0),
      free: (id: DataId) => void freed.push(id),
    } as unknown as BackendImpl;
    return { impl, kernel, freed };
  };
  const run = (impl: BackendImpl, size: number, dtype = 'float32') => (impl.kernels.k as unknown as (c: unknown) => DataId)({ out: { size, dtype, shape: [size] } });

  it('counts kernel outputs and uploads at allocation, frees, and the peak since a reset', () => {
    const { impl, kernel, freed } = fake();
    const m = meterBackend(impl);
    const a = impl.write(new Float32Array(10), 'float32', [10]); // 40 bytes
    const b = run(impl, 100); // 400
    expect(m.live).toBe(440);
    impl.free(b);
    expect(freed).toEqual([b]);
    expect([m.live, m.peak]).toEqual([40, 440]);
    m.resetPeak();
    run(impl, 25, 'int32');
    expect([m.live, m.peak]).toEqual([140, 140]);
    impl.free(a);
    impl.free({} as DataId); // made before the meter: not counted, still freed
    expect([m.live, m.peak, freed.length]).toEqual([100, 140, 3]);
    m.restore();
    expect(impl.kernels.k).toBe(kernel);
    run(impl, 1000);
    expect(m.live).toBe(100);
  });
});

const part = (over: Partial<PartResult>): PartResult => ({ backend: 'tessera-cpu', unavailable: null, timings: [], memory: [], load: [1, 2, 3], ...over });

describe('compiled section: child and torch output', () => {
  it('reads the last result line of a child', () => {
    const r = part({ timings: [timing({})] });
    expect(parsePartOutput(`noise\n${RESULT_PREFIX}{"x":1}\n${RESULT_PREFIX}${JSON.stringify(r)}\n`)).toEqual(r);
    expect(() => parsePartOutput('no result')).toThrow(/no result line/);
    expect(() => parsePartOutput(`${RESULT_PREFIX}{"backend":1}`)).toThrow(/malformed/);
  });

  it("parses torch-train.py's JSON line", () => {
    expect(parseTorchOutput('{"torch": "1.13.0a0", "threads": 2, "mlp": 20000.5, "cnn": 4000}\n')).toEqual({
      ok: true, version: '1.13.0a0', threads: 2, samplesPerSec: { mlp: 20000.5, cnn: 4000 },
    });
    expect(() => parseTorchOutput('{"mlp": 1}')).toThrow(/unexpected torch output/);
  });
});

describe('compiled section: tables', () => {
  const ts = [
    timing({ msPerStep: 1.2 }),
    timing({ mode: 'compiled', msPerStep: 0.3, cpuMsPerStep: 0.5, counters: { traces: 1, replays: 29, deviceReplays: 28 } }),
    timing({ driver: 'loop', msPerStep: 2 }),
    timing({ driver: 'loop', mode: 'compiled', msPerStep: 0.5, counters: { traces: 1, replays: 29, deviceReplays: 0 } }),
  ];

  it('host cost: eager vs compiled per workload and driver, with the speed-up and counters', () => {
    const lines = hostCostTable(ts).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/MLP 784-256-256-10 b128 \| fit +\| +1\.20 \(1\.50\) \| +0\.30 \(0\.50\) \| +4\.00× \(3\.00×\) \| +40\.0 \/ 40\.0 \| +1 \/ 29 \/ 28 \|/);
    expect(lines[3]).toMatch(/hand-written loop/);
  });

  it('throughput: samples/s, compiled/eager, torch-cpu only beside tessera-cpu', () => {
    const cpu = part({ timings: ts.slice(0, 2) });
    const gpu = part({ backend: 'tessera-webgpu (x)', timings: ts.slice(0, 2) });
    const torch = { ok: true as const, version: '1.13', threads: 2, samplesPerSec: { mlp: 128_000, cnn: 1 } };
    const lines = throughputTable([cpu, gpu], torch).split('\n');
    expect(lines[0]).toMatch(/torch-cpu samples\/s \(1\.13, 2 threads\) \| compiled\/torch \|$/);
    expect(lines[2]).toMatch(/tessera-cpu +\| +106667 \| +426667 \| +4\.00× \| +128000 \| +3\.33× \|$/);
    expect(lines[3]).toMatch(/tessera-webgpu \(x\) .*\| +— \| +— \|$/);
    expect(throughputTable([cpu], { ok: false, reason: 'absent' })).not.toMatch(/torch/);
  });

  it('memory: peaks, ratio, resident and what the step adds', () => {
    const mem = memoryTable([
      { net: 'cnn', mode: 'eager', peakBytes: 30 * 2 ** 20, residentBytes: 2 ** 20 },
      { net: 'cnn', mode: 'compiled', peakBytes: 15 * 2 ** 20, residentBytes: 2 ** 20 },
    ]).split('\n');
    expect(mem).toHaveLength(3);
    expect(mem[2]).toMatch(/mnistCnn b100 \| +30\.00 MiB \| +15\.00 MiB \| +50 % \| +1\.00 MiB \/ 1\.00 MiB \| +29\.00 MiB \/ 14\.00 MiB \| +48 % \|/);
    expect(fmtMiB(3 * 2 ** 19)).toBe('1.50 MiB');
    expect(fmtLoad([2.7, 1, 0.5])).toBe('load average 2.70, 1.00, 0.50');
  });
});

describe('compiled section: selection', () => {
  it('--filter=compiled selects it; other filters leave it out', () => {
    const on = (argv: string[]) => wantsSection(parseArgs(argv, {}).filter, COMPILED_ID);
    expect(on([])).toBe(true);
    expect(on(['--filter=compiled'])).toBe(true);
    expect(on(['--filter=compile'])).toBe(true);
    expect(on(['--filter=mlp,cnn'])).toBe(false);
    expect(on(['--filter=data-load'])).toBe(false);
  });
});
