import { describe, expect, it } from 'vitest';
import { normalAt, uniformAt } from '@tessera/core';
import { run } from './helpers.js';

describe('random', () => {
  it('uniform is uniformAt, reproducible, in [0, 1)', () => {
    const a = Array.from(run('random', [], { dist: 'uniform', key0: 12345, key1: 678, shape: [1000], dtype: 'float32' }, [1000], 'float32'));
    const b = run('random', [], { dist: 'uniform', key0: 12345, key1: 678, shape: [1000], dtype: 'float32' }, [1000], 'float32');
    const c = run('random', [], { dist: 'uniform', key0: 12345, key1: 679, shape: [1000], dtype: 'float32' }, [1000], 'float32');
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    a.forEach((v, i) => expect(v).toBe(uniformAt(12345, 678, i)));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('normal is normalAt in float64 and float32', () => {
    const d = Array.from(run('random', [], { dist: 'normal', key0: 1, key1: 2, shape: [2, 501], dtype: 'float64' }, [2, 501], 'float64'));
    d.forEach((v, i) => expect(v).toBe(normalAt(1, 2, i)));
    const f = run('random', [], { dist: 'normal', key0: 1, key1: 2, shape: [7], dtype: 'float32' }, [7], 'float32');
    f.forEach((v, i) => expect(v).toBe(Math.fround(normalAt(1, 2, i))));
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.15);
  });
});
