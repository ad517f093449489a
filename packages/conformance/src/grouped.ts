/**
 * Grouped updates (docs/expressions.md): a compiled step that updates several parameters
 * with one expression (as every optimizer does) runs the updates as one multi-output call
 * on backends with `elementwiseGroup`, each member computing all of its parameter's new
 * values (Adam: m, v and the parameter in one pass). The check: the same weights and state
 * as the eager step, on the same backend, over a few replays.
 */
import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { compareArrays, TOLERANCE_PRESETS, type Tolerance, type TolerancePreset } from './compare.js';
import { Rng } from './rng.js';

/** The update rules checked: momentum (two state values per parameter) and Adam's (three, each its own output). */
type Rule = 'momentum' | 'adam';

/**
 * Runs four updates by `rule` of five random parameters, compiled or eager; returns the
 * weights and state. Adam's m, v and parameter are read and written by one member of the
 * grouped call when the backend groups (multi-output members).
 */
async function updates(backend: string, seed: number, rule: Rule, compiled: boolean) {
  const r = new Rng(seed);
  const shapes = Array.from({ length: 5 }, () => Array.from({ length: r.int(1, 4) }, () => r.int(1, 6)));
  const make = (s: number[], f: (x: number) => number = (x) => x) =>
    T.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => f(r.normal())), { shape: s, backend });
  const ps = shapes.map((s) => new T.Parameter(make(s)));
  const vs = shapes.map((s) => new T.Parameter(make(s)));
  const sqs = shapes.map((s) => new T.Parameter(make(s, Math.abs)));
  const gs = shapes.map((s) => make(s));
  const momentum = (p: T.Parameter, k: number, g: Tensor) => {
    // v ← 0.9·v + g; p ← p − 0.1·v
    const v = vs[k].mul(0.9).add(g);
    vs[k].assign(v);
    p.assign(p.sub(v.mul(0.1)));
  };
  const adam = (p: T.Parameter, k: number, g: Tensor) => {
    // m ← 0.9·m + 0.1·g; v ← 0.999·v + 0.001·g²; p ← p − 0.01·(m/0.1)/(√(v/0.001) + 1e-8)
    const m = vs[k].mul(0.9).add(g.mul(0.1));
    const v = sqs[k].mul(0.999).add(g.square().mul(0.001));
    vs[k].assign(m);
    sqs[k].assign(v);
    p.assign(p.sub(m.div(0.1).div(v.div(0.001).sqrt().add(1e-8)).mul(0.01)));
  };
  const update = rule === 'adam' ? adam : momentum;
  const body = (...grads: Tensor[]) => T.noGrad(() => ps.forEach((p, k) => update(p, k, grads[k])));
  const step = compiled ? T.compile(body, { name: 'grouped updates', onWarn: () => {} }) : body;
  for (let s = 0; s < 4; s++) T.tidy(() => step(...gs));
  const weights = await Promise.all([...ps, ...vs, ...sqs].map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
  const calls = compiled ? [...(step as T.CompiledFunction<Tensor[], void>).stats.calls] : [];
  if (compiled) (step as T.CompiledFunction<Tensor[], void>).dispose();
  T.dispose([...ps, ...vs, ...sqs, ...gs]);
  return { weights, calls };
}

/**
 * Compares a compiled step's grouped updates (momentum and Adam's) with the eager step's on
 * `backend`; null when they agree.
 */
export async function checkGroupedUpdates(
  backend: string,
  seed: number,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  const tol = { ...TOLERANCE_PRESETS, ...tolerance }.chain;
  for (const rule of ['momentum', 'adam'] as const) {
    const eager = await updates(backend, seed, rule, false);
    const compiled = await updates(backend, seed, rule, true);
    const where = `grouped updates (${rule}, seed ${seed}, calls ${compiled.calls.join(', ')})`;
    if (T.getBackend(backend).elementwiseGroup && !compiled.calls.some((c) => c.startsWith('group('))) {
      return `${where}: the backend has elementwiseGroup but the compiled step made no group`;
    }
    for (let k = 0; k < eager.weights.length; k++) {
      const bad = compareArrays(compiled.weights[k], eager.weights[k], tol, [eager.weights[k].length]);
      if (bad) return `${where}: value ${k}: ${bad}`;
    }
  }
  return null;
}
