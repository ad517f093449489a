/**
 * Grouped sums (docs/expressions.md, "Dispatches per training step"): a compiled step's
 * whole-tensor sums — a loss's label count `cast(labels ≠ ignore).sum()` and its loss sum —
 * run as one `reduceGroup` call on backends that have it, with the mean over them (and its
 * one-element constants) as the call's epilogue. The check: the compiled step's mean and
 * count equal the eager step's on the same backend, including a batch whose every label is
 * ignored (the mean is then NaN).
 */
import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { compareArrays, TOLERANCE_PRESETS, type Tolerance, type TolerancePreset } from './compare.js';
import { Rng } from './rng.js';

/** The mean of `rows` over the labels not equal to `ignore` (NaN when there are none), and that count. */
function maskedMean(rows: Tensor, labels: Tensor, ignore: number): Tensor[] {
  const count = T.cast(T.notEqual(labels, ignore), 'float32').sum();
  const empty = count.equal(0);
  return [T.where(empty, Number.NaN, rows.square().sum().div(T.where(empty, 1, count))), count];
}

async function means(backend: string, seed: number, allIgnored: boolean, compiled: boolean) {
  const r = new Rng(seed);
  const n = r.int(1, 300);
  const ignore = -1;
  const rows = T.tensor(Float32Array.from({ length: n }, () => r.normal()), { shape: [n], backend });
  const labels = T.tensor(Int32Array.from({ length: n }, () => (allIgnored || r.int(0, 3) === 0 ? ignore : r.int(0, 9))), {
    shape: [n], dtype: 'int32', backend,
  });
  const body = (x: Tensor, y: Tensor) => maskedMean(x, y, ignore);
  const step = compiled ? T.compile(body, { name: 'grouped sums', onWarn: () => {} }) : body;
  let values: Float32Array[] = [];
  for (let s = 0; s < 3; s++) {
    const outs = step(rows, labels);
    values = await Promise.all(outs.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
    T.dispose(outs);
  }
  const calls = compiled ? [...(step as T.CompiledFunction<[Tensor, Tensor], Tensor[]>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<[Tensor, Tensor], Tensor[]>).dispose();
  T.dispose([rows, labels]);
  return { values, calls };
}

/**
 * Compares a compiled masked mean (two grouped sums and their mean) with the eager one on
 * `backend`; null when they agree.
 */
export async function checkGroupedSums(
  backend: string,
  seed: number,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  const tol = { ...TOLERANCE_PRESETS, ...tolerance }.chain;
  for (const allIgnored of [false, true]) {
    const eager = await means(backend, seed, allIgnored, false);
    const compiled = await means(backend, seed, allIgnored, true);
    const where = `grouped sums (seed ${seed}${allIgnored ? ', every label ignored' : ''}, calls ${compiled.calls.join(', ')})`;
    if (T.getBackend(backend).reduceGroup && !(compiled.calls.length === 1 && compiled.calls[0].startsWith('reduceGroup('))) {
      return `${where}: the backend has reduceGroup but the compiled step is not one reduceGroup call`;
    }
    for (let k = 0; k < eager.values.length; k++) {
      const bad = compareArrays(compiled.values[k], eager.values[k], tol, [1]);
      if (bad) return `${where}: value ${k}: ${bad}`;
    }
  }
  return null;
}
