/**
 * Grouped updates (docs/expressions.md): a compiled step that updates several parameters
 * with one expression (as every optimizer does) runs the updates as one multi-output call
 * on backends with `elementwiseGroup`. The check: the same weights as the eager step, on
 * the same backend, over a few replays.
 */
import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { compareArrays, TOLERANCE_PRESETS, type Tolerance, type TolerancePreset } from './compare.js';
import { Rng } from './rng.js';

/** Runs four momentum updates of `count` random parameters, compiled or eager; returns the weights. */
async function updates(backend: string, seed: number, compiled: boolean): Promise<{ weights: Float32Array[]; calls: readonly string[] }> {
  const r = new Rng(seed);
  const shapes = Array.from({ length: 5 }, () => Array.from({ length: r.int(1, 4) }, () => r.int(1, 6)));
  const make = (s: number[]) =>
    T.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r.normal()), { shape: s, backend });
  const ps = shapes.map((s) => new T.Parameter(make(s)));
  const vs = shapes.map((s) => new T.Parameter(make(s)));
  const gs = shapes.map(make);
  const body = (...grads: Tensor[]) =>
    T.noGrad(() =>
      ps.forEach((p, k) => {
        // v ← 0.9·v + g; p ← p − 0.1·v
        const v = vs[k].mul(0.9).add(grads[k]);
        vs[k].assign(v);
        p.assign(p.sub(v.mul(0.1)));
      }),
    );
  const step = compiled ? T.compile(body, { name: 'grouped updates', onWarn: () => {} }) : body;
  for (let s = 0; s < 4; s++) T.tidy(() => step(...gs));
  const weights = await Promise.all([...ps, ...vs].map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
  const calls = compiled ? [...(step as T.CompiledFunction<Tensor[], void>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<Tensor[], void>).dispose();
  T.dispose([...ps, ...vs, ...gs]);
  return { weights, calls };
}

/** Compares a compiled step's grouped updates with the eager step's on `backend`; null when they agree. */
export async function checkGroupedUpdates(
  backend: string,
  seed: number,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  const tol = { ...TOLERANCE_PRESETS, ...tolerance }.chain;
  const eager = await updates(backend, seed, false);
  const compiled = await updates(backend, seed, true);
  if (T.getBackend(backend).elementwiseGroup && !compiled.calls.some((c) => c.startsWith('group('))) {
    return `grouped updates (seed ${seed}): the backend has elementwiseGroup but the compiled step made no group ` +
      `(calls ${compiled.calls.join(', ')})`;
  }
  for (let k = 0; k < eager.weights.length; k++) {
    const bad = compareArrays(compiled.weights[k], eager.weights[k], tol, [eager.weights[k].length]);
    if (bad) return `grouped updates (seed ${seed}, calls ${compiled.calls.join(', ')}): value ${k}: ${bad}`;
  }
  return null;
}
