import * as T from '@tessera/core';
import type { DType, Tensor, TypedArray } from '@tessera/core';
import type { OpCase } from './cases.js';
import { applyChain, type Chain } from './chains.js';
import { compareArrays, TOLERANCE_PRESETS, type Tolerance, type TolerancePreset, toleranceFor } from './compare.js';
import { GENS, Rng } from './rng.js';

/** Central-difference step of the float64 gradient check. */
export const FD_EPS = 1e-6;

interface InputValues {
  readonly values: readonly number[];
  readonly shape: readonly number[];
  readonly dtype: DType;
}

interface Output {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedArray;
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const shp = (s: readonly number[]) => `[${s.join(', ')}]`;

/** The inputs of a case for one dtype: deterministic in (case id, dtype). */
export function caseInputs(c: OpCase, dtype: DType): InputValues[] {
  // float32 and float64 runs share values, so the two gradient checks see the same point.
  const r = new Rng(`${c.id}|${dtype === 'float64' ? 'float32' : dtype}`);
  const prev: number[][] = [];
  return c.inputs.map((spec) => {
    const dt: DType = spec.kind === 'follow' ? dtype : spec.kind;
    const n = size(spec.shape);
    const values = dt === 'bool' ? GENS.bool(r, n, 'int', prev) : spec.gen(r, n, dt === 'int32' ? 'int' : 'float', prev);
    prev.push(values);
    return { values, shape: spec.shape, dtype: dt };
  });
}

function typed(values: readonly number[], dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    default:
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}

const upload = (v: InputValues, backend: string): Tensor => T.tensor(typed(v.values, v.dtype), { shape: v.shape, dtype: v.dtype, backend });
const asList = (y: Tensor | readonly Tensor[]): Tensor[] => (Array.isArray(y) ? [...(y as readonly Tensor[])] : [y as Tensor]);

/** Output-gradient weights for a case's outputs (deterministic in the case id). */
function cotangents(c: OpCase, shapes: readonly (readonly number[])[]): number[][] {
  const r = new Rng(`${c.id}|cotangent`);
  return shapes.map((s) => Array.from({ length: size(s) }, () => r.uniform(-1, 1)));
}

/** Runs a case on a backend and reads its outputs. */
async function forward(c: OpCase, inputs: readonly InputValues[], backend: string, dtype: DType): Promise<Output[]> {
  const outs = T.tidy(() => {
    if (c.seed !== undefined) T.manualSeed(c.seed);
    return asList(c.run(inputs.map((v) => upload(v, backend)), { backend, dtype }));
  });
  try {
    return await Promise.all(outs.map(async (t) => ({ shape: [...t.shape], dtype: t.dtype, data: await t.data() })));
  } finally {
    T.dispose(outs);
  }
}

/** Gradients of Σ w·y with respect to the case's `follow` inputs, on a backend. */
async function gradientsOn(c: OpCase, inputs: readonly InputValues[], backend: string, dtype: DType): Promise<Output[]> {
  const diff = c.inputs.flatMap((s, i) => (s.kind === 'follow' ? [i] : []));
  const gs = T.tidy(() => {
    if (c.seed !== undefined) T.manualSeed(c.seed);
    const xs = inputs.map((v) => upload(v, backend));
    for (const i of diff) xs[i].requiresGrad_();
    const ys = asList(c.run(xs, { backend, dtype }));
    const ws = cotangents(c, ys.map((y) => y.shape)).map((w, k) => upload({ values: w, shape: ys[k].shape, dtype: ys[k].dtype }, backend));
    return T.gradients(ys, diff.map((i) => xs[i]), ws);
  });
  try {
    return await Promise.all(gs.map(async (t) => ({ shape: [...t.shape], dtype: t.dtype, data: await t.data() })));
  } finally {
    T.dispose(gs);
  }
}

/** Central finite differences of Σ w·y in float64 on the CPU. */
function finiteDifferences(c: OpCase, inputs: readonly InputValues[], weights: readonly number[][]): number[][] {
  const loss = (vals: readonly InputValues[]): number =>
    T.tidy(() =>
      T.noGrad(() => {
        if (c.seed !== undefined) T.manualSeed(c.seed);
        const ys = asList(c.run(vals.map((v) => upload(v, 'cpu')), { backend: 'cpu', dtype: 'float64' }));
        let s = 0;
        ys.forEach((y, k) => {
          const d = y.dataSync();
          for (let i = 0; i < d.length; i++) s += d[i] * weights[k][i];
        });
        return s;
      }),
    );
  const out: number[][] = [];
  inputs.forEach((inp, j) => {
    if (c.inputs[j].kind !== 'follow') return;
    const g = new Array<number>(inp.values.length);
    for (let e = 0; e < inp.values.length; e++) {
      const at = (delta: number) =>
        loss(inputs.map((v, k) => (k === j ? { ...v, values: v.values.map((x, i) => (i === e ? x + delta : x)) } : v)));
      g[e] = (at(FD_EPS) - at(-FD_EPS)) / (2 * FD_EPS);
    }
    out.push(g);
  });
  return out;
}

/** Compares outputs (count, shape, dtype, values); returns a message or null. */
function compareOutputs(what: string, got: readonly Output[], want: readonly Output[], tol: Tolerance): string | null {
  if (got.length !== want.length) return `${what}: ${got.length} outputs, expected ${want.length}`;
  for (const [k, g] of got.entries()) {
    const name = want.length > 1 ? `${what} output ${k}` : what;
    if (shp(g.shape) !== shp(want[k].shape)) return `${name}: shape ${shp(g.shape)}, expected ${shp(want[k].shape)}`;
    if (g.dtype !== want[k].dtype) return `${name}: dtype ${g.dtype}, expected ${want[k].dtype}`;
    const msg = compareArrays(g.data, want[k].data, toleranceFor(want[k].dtype, tol), want[k].shape);
    if (msg) return `${name}: ${msg}`;
  }
  return null;
}

const presetsOf = (t?: Partial<Record<TolerancePreset, Tolerance>>): Record<TolerancePreset, Tolerance> => ({ ...TOLERANCE_PRESETS, ...t });

/**
 * Forward check of one case in one dtype: `backend` vs the CPU reference. Returns a
 * message describing the mismatch, or null. Both backends must be installed and started.
 */
export async function checkForward(
  c: OpCase,
  backend: string,
  dtype: DType,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  const inputs = caseInputs(c, dtype);
  const want = await forward(c, inputs, 'cpu', dtype);
  const got = await forward(c, inputs, backend, dtype);
  return compareOutputs(`${c.id} [${dtype}]`, got, want, presetsOf(tolerance)[c.tol]);
}

/**
 * Gradient check of one case on the CPU in float64: analytic gradients (autograd) vs
 * central finite differences (eps `FD_EPS`). Returns a message, or null when they agree.
 */
export async function checkGradient(c: OpCase, tolerance?: Partial<Record<TolerancePreset, Tolerance>>): Promise<string | null> {
  const inputs = caseInputs(c, 'float64');
  const analytic = await gradientsOn(c, inputs, 'cpu', 'float64');
  const shapes = (await forward(c, inputs, 'cpu', 'float64')).map((o) => o.shape);
  const numeric = finiteDifferences(c, inputs, cotangents(c, shapes));
  const diff = c.inputs.flatMap((s, i) => (s.kind === 'follow' ? [i] : []));
  for (const [k, g] of analytic.entries()) {
    const msg = compareArrays(g.data, numeric[k], presetsOf(tolerance).finiteDifference, g.shape);
    if (msg) return `${c.id}: d/d input ${diff[k]}: analytic vs finite differences: ${msg}`;
  }
  return null;
}

/** float32 gradients of one case on `backend` vs the CPU. Returns a message or null. */
export async function checkGradientVsCpu(
  c: OpCase,
  backend: string,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  const inputs = caseInputs(c, 'float32');
  const want = await gradientsOn(c, inputs, 'cpu', 'float32');
  const got = await gradientsOn(c, inputs, backend, 'float32');
  return compareOutputs(`${c.id} gradient`, got, want, presetsOf(tolerance).gradient);
}

/**
 * A fused case against its unfused `reference` on `backend` itself (not the CPU): forward
 * values in `dtype`, and (for differentiable cases) the gradients of Σ w·y. Returns a
 * message or null; null for a case without a reference.
 */
export async function checkReference(
  c: OpCase,
  backend: string,
  dtype: DType,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  if (!c.reference) return null;
  const ref: OpCase = { ...c, run: c.reference };
  const inputs = caseInputs(c, dtype);
  const presets = presetsOf(tolerance);
  const what = `${c.id} [${dtype}] fused vs its reference on '${backend}'`;
  const bad = compareOutputs(what, await forward(c, inputs, backend, dtype), await forward(ref, inputs, backend, dtype), presets[c.tol]);
  if (bad || !c.grad) return bad;
  return compareOutputs(
    `${what}, gradients`,
    await gradientsOn(c, inputs, backend, dtype),
    await gradientsOn(ref, inputs, backend, dtype),
    presets.gradient,
  );
}

/** Runs one random chain on `backend` and the CPU; returns a message or null. */
export async function checkChain(
  chain: Chain,
  backend: string,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  const want = await runChain(chain, 'cpu');
  const got = await runChain(chain, backend);
  const tol = presetsOf(tolerance).chain;
  return compareOutputs(`${chain.id} forward`, [got.y], [want.y], tol) ?? compareOutputs(`${chain.id} gradient`, [got.dx], [want.dx], tol);
}


/**
 * Runs a chain on `backend` eagerly and as a compiled step (`compile`, which fuses its
 * elementwise ops) three times (a trace, then replays), and compares forward values and
 * input gradients: fusion must give the unfused chain's numbers within float32 rounding.
 */
export async function checkChainCompiled(
  chain: Chain,
  backend: string,
  tolerance?: Partial<Record<TolerancePreset, Tolerance>>,
): Promise<string | null> {
  const want = await runChain(chain, backend);
  const step = T.compile((x: Tensor, w: Tensor) => {
    let y = x;
    for (const s of chain.steps)
      y = s.apply(
        y,
        s.aux.map((v) => T.tensor(Float32Array.from(v.values), { shape: v.shape, dtype: 'float32', backend })),
      );
    const [g] = T.gradients(y, [x], [w]);
    return [y.detach(), g.detach()];
  }, { name: chain.id, onWarn: () => {} });
  const x = T.tensor(Float32Array.from(chain.input.values), { shape: chain.input.shape, dtype: 'float32', backend }).requiresGrad_();
  const w = T.tensor(Float32Array.from(chain.cotangent), { shape: want.y.shape, dtype: 'float32', backend });
  const tol = presetsOf(tolerance).chain;
  try {
    for (let run = 0; run < 3; run++) {
      const [y, dx] = step(x, w);
      try {
        const got = {
          y: { shape: [...y.shape], dtype: y.dtype, data: await y.data() },
          dx: { shape: [...dx.shape], dtype: dx.dtype, data: await dx.data() },
        };
        const what = run === 0 ? 'trace' : `replay ${run}`;
        const bad = compareOutputs(`${chain.id} compiled (${what}) forward`, [got.y], [want.y], tol) ??
          compareOutputs(`${chain.id} compiled (${what}) gradient`, [got.dx], [want.dx], tol);
        if (bad) return bad;
      } finally {
        T.dispose([y, dx]);
      }
    }
    if (step.stats.replays === 0) return `${chain.id}: the compiled chain never replayed (${step.stats.lastProblem ?? 'no reason given'})`;
    return null;
  } finally {
    T.dispose([x, w]);
  }
}

/** Runs a chain (forward, then the input gradient of Σ w·y) and reads both. */
async function runChain(chain: Chain, backend: string): Promise<{ y: Output; dx: Output }> {
  const [y, dx] = T.tidy(() => {
    const { x, y } = applyChain(chain, backend, true);
    const w = T.tensor(Float32Array.from(chain.cotangent), { shape: y.shape, dtype: 'float32', backend });
    const [g] = T.gradients(y, [x], [w]);
    return [y, g];
  });
  try {
    const read = async (t: Tensor): Promise<Output> => ({ shape: [...t.shape], dtype: t.dtype, data: await t.data() });
    return { y: await read(y), dx: await read(dx) };
  } finally {
    T.dispose([y, dx]);
  }
}
