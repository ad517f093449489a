import { describe, expect, it } from 'vitest';
import { BINARY_OPS, CORE_API_VERSION, REDUCE_OPS, UNARY_OPS, getOpDef } from '@tessera/core';
import { CpuStorage, cpu } from '../src/index.js';

describe('cpu backend', () => {
  it('is a backend plugin', async () => {
    const p = cpu();
    expect(p).toMatchObject({ kind: 'backend', name: 'cpu', priority: 1, coreApi: CORE_API_VERSION });
    const impl = await p.create();
    expect(p.createSync!()).toBe(impl);
    expect(impl.name).toBe('cpu');
    expect([...impl.dtypes].sort()).toEqual(['bool', 'float32', 'float64', 'int32']);
    expect(cpu({ priority: 5 }).priority).toBe(5);
  });

  it('has a kernel for every primitive: its own, or the expression kernel for the elementwise ones', () => {
    const impl = cpu().createSync!();
    expect(typeof impl.kernels.elementwise).toBe('function');
    for (const n of [...UNARY_OPS, ...BINARY_OPS, 'leakyRelu', 'elu', 'clip', 'cast', 'where']) {
      expect(impl.kernels[n], `${n} runs through elementwise`).toBeUndefined();
      expect(typeof getOpDef(n)?.elementwise, n).toBe('function');
    }
    const names = [
      ...REDUCE_OPS, 'matmul',
      'transpose', 'broadcastTo', 'slice', 'concat', 'pad', 'flip', 'gather', 'scatterAdd', 'conv2d',
      'conv2dBackpropInput', 'conv2dBackpropFilter', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d',
      'avgPool2dBackward', 'random',
    ];
    for (const n of names) expect(typeof impl.kernels[n], n).toBe('function');
  });

  it('write keeps the array, reads return copies, free drops the values', async () => {
    const impl = cpu().createSync!();
    const values = new Float32Array([1, 2, 3]);
    const id = impl.write(values, 'float32', [3]);
    expect(id).toBeInstanceOf(CpuStorage);
    expect((id as CpuStorage).values).toBe(values);
    const copy = impl.readSync!(id, 'float32', 3);
    expect(copy).not.toBe(values);
    expect(Array.from(copy)).toEqual([1, 2, 3]);
    copy[0] = 99;
    expect(values[0]).toBe(1);
    const asyncCopy = await impl.read(id, 'float32', 3);
    expect(asyncCopy).toBeInstanceOf(Float32Array);
    expect(Array.from(asyncCopy)).toEqual([1, 2, 3]);
    impl.free(id);
    expect((id as CpuStorage).values.length).toBe(0);
    expect(() => impl.readSync!(id, 'float32', 3)).toThrow(/freed/);
  });

  it('kernels return fresh storage and leave inputs alone', () => {
    const impl = cpu().createSync!();
    const values = new Float64Array([1, -2]);
    const x = { dataId: impl.write(values, 'float64', [2]), shape: [2], dtype: 'float64' as const, size: 2 };
    const k = impl.kernels.elementwise as (ctx: unknown) => object;
    const y = k({ backend: impl, inputs: [x], attrs: { expr: { op: 'neg', x: { op: 'input', index: 0 } }, scalars: [] }, out: { shape: [2], dtype: 'float64', size: 2 } });
    expect(y).not.toBe(x.dataId);
    expect(Array.from(values)).toEqual([1, -2]);
    expect(Array.from(impl.readSync!(y, 'float64', 2))).toEqual([-1, 2]);
  });
});
