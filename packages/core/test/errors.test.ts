import { describe, expect, it } from 'vitest';
import {
  BackendError,
  DisposedError,
  DTypeError,
  KernelNotFoundError,
  ShapeError,
  defineOp,
  runOp,
  tensor,
  use,
  ones,
  CORE_API_VERSION,
  PluginError,
  ConfigError,
  NotSupportedError,
  Parameter,
  TesseraError,
} from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { useCpu } from './setup.js';

useCpu();

describe('typed errors', () => {
  it('matmul inner-dimension mismatch names the shapes and the fix', () => {
    const a = ones([2, 3]);
    const b = ones([4, 5]);
    expect(() => a.matmul(b)).toThrow(ShapeError);
    expect(() => a.matmul(b)).toThrow(/matmul: inner dimensions do not match: a is \[2, 3\] and b is \[4, 5\] \(3 ≠ 4\).*transpose/);
  });

  it('non-broadcastable shapes name the op and the axis', () => {
    expect(() => ones([2, 3]).add(ones([4, 3]))).toThrow(ShapeError);
    expect(() => ones([2, 3]).add(ones([4, 3]))).toThrow(/add: shapes \[2, 3\] and \[4, 3\] cannot be broadcast/);
  });

  it('dtype mismatch names both dtypes and suggests a cast', () => {
    const f = ones([2]);
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => f.add(i)).toThrow(DTypeError);
    expect(() => f.add(i)).toThrow(/add: inputs have different dtypes \(float32 and int32\).*cast\('float32'\)/);
    expect(() => tensor([true]).exp()).toThrow(/exp: expects a float dtype/);
  });

  it('mixed backends name both backends and .to()', () => {
    // A second backend instance under another name (stands in for e.g. webgpu).
    const base = cpu().createSync!();
    const other = { ...base, name: 'cpu2' };
    use({ ...cpu(), name: 'cpu2', create: async () => other, createSync: () => other });
    const a = ones([2], { backend: 'cpu' });
    const b = ones([2], { backend: 'cpu2' });
    expect(() => a.mul(b)).toThrow(BackendError);
    expect(() => a.mul(b)).toThrow(/mul: input 0 is on backend 'cpu' but input 1 is on 'cpu2'.*to\('cpu'\)/);
    expect(b.to('cpu').backend).toBe('cpu');
    const p = new Parameter(ones([2], { backend: 'cpu' }));
    expect(() => p.assign(b)).toThrow(BackendError);
    expect(() => p.assign(b)).toThrow(/assign: parameter is on 'cpu' but the value is on 'cpu2'; move it with \.to\(\)/);
  });

  it('one ConfigError and NotSupportedError, typed', () => {
    const e = new ConfigError('optimizer: unknown optimizer');
    expect(e).toBeInstanceOf(TesseraError);
    expect(e.name).toBe('ConfigError');
    const n = new NotSupportedError('dataSync: backend cannot read synchronously');
    expect(n).toBeInstanceOf(BackendError);
    expect(n.name).toBe('NotSupportedError');
  });

  it('using a disposed tensor throws DisposedError naming the op', () => {
    const a = ones([2, 2]);
    a.dispose();
    expect(() => a.exp()).toThrow(DisposedError);
    expect(() => a.exp()).toThrow(/exp: tensor #\d+ \(shape \[2, 2\], float32\) was disposed/);
    expect(() => a.dataSync()).toThrow(DisposedError);
  });

  it('a missing kernel names the op, the backend and who has it', () => {
    const op = defineOp<Record<string, never>>({
      name: 'myCustomOp',
      infer: ([x]) => ({ shape: [...x.shape], dtype: x.dtype }),
      nonDifferentiable: true,
    });
    expect(() => runOp(op, [ones([2])], {})).toThrow(KernelNotFoundError);
    expect(() => runOp(op, [ones([2])], {})).toThrow(/op 'myCustomOp' has no kernel on backend 'cpu'/);
  });

  it('a plugin for another core API version is refused', () => {
    expect(() => use({ ...cpu(), coreApi: CORE_API_VERSION + 1 })).toThrow(PluginError);
  });

  it('backward through a freed graph explains retainGraph', () => {
    const x = tensor([1, 2]).requiresGrad_();
    const y = x.mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/retainGraph/);
  });

  it('reshape to a wrong size names both shapes', () => {
    expect(() => ones([2, 3]).reshape([4, 2])).toThrow(/cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/);
  });
});
