import * as T from '@tessera/core';
import type { Tensor, TypedArray } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { afterAll, beforeAll } from 'vitest';
import type { BackendPlugin } from '@tessera/core';

/** Installs `plugin` and the CPU for one test file, starts webgpu, tears it down after. */
export function useBackends(plugin: BackendPlugin): void {
  beforeAll(async () => {
    T.use(plugin);
    T.use(cpu());
    await T.init({ backends: [plugin.name] });
    T.getBackend('cpu');
  });
  afterAll(() => T.resetRegistry());
}

/** Deterministic pseudo-random values in [-1, 1). */
export function values(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/**
 * Runs `fn` on inputs uploaded to webgpu and to the CPU; returns both results' values.
 * Inputs are float32 arrays with shapes.
 */
export async function onBoth(
  inputs: readonly { readonly data: TypedArray; readonly shape: readonly number[]; readonly dtype?: T.DType }[],
  fn: (xs: Tensor[]) => Tensor,
): Promise<{ gpu: TypedArray; cpu: TypedArray; shape: readonly number[] }> {
  const run = async (backend: string) => {
    const y = T.tidy(() => fn(inputs.map((i) => T.tensor(i.data, { shape: i.shape, dtype: i.dtype ?? 'float32', backend }))));
    try {
      return { data: await y.data(), shape: y.shape };
    } finally {
      y.dispose();
    }
  };
  const g = await run('webgpu');
  const c = await run('cpu');
  return { gpu: g.data, cpu: c.data, shape: c.shape };
}

/** Largest |a − b| / (atol + rtol·|b|); ≤ 1 means within tolerance. */
export function worstError(a: TypedArray, b: TypedArray, rtol = 1e-4, atol = 1e-5): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  return worst;
}
