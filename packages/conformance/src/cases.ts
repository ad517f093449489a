/**
 * The declarative case table. One row per (op, geometry); families (unary, binary,
 * reductions) are generated from compact tables. Every primitive of `primitiveDefs` has at
 * least one row (the coverage table lists any that does not), and so do the main
 * composites.
 */
import * as T from '@tessera/core';
import type { DType, Tensor } from '@tessera/core';
import type { TolerancePreset } from './compare.js';
import { attentionCases, attentionGradCases } from './attention-cases.js';
import { avoiding, type Gen, GENS, type GenName, indexGen } from './rng.js';

/** One input of a case. */
export interface InputSpec {
  readonly shape: readonly number[];
  readonly gen: Gen;
  /**
   * `follow`: takes the case's dtype (float32/int32/bool forward, float64 in the gradient
   * check). `int32`/`bool`: fixed dtype (indices, conditions); never differentiated.
   */
  readonly kind: 'follow' | 'int32' | 'bool';
}

/** What a case's `run` gets besides its inputs. */
export interface CaseContext {
  /** Backend the inputs live on (for ops without inputs, e.g. `rand`). */
  readonly backend: string;
  /** The dtype of this run's `follow` inputs. */
  readonly dtype: DType;
}

/** One conformance case. */
export interface OpCase {
  /** Unique id, `op: label`; also the seed of its inputs. */
  readonly id: string;
  /** The op this case covers (a primitive or composite name), used by `skip` and coverage. */
  readonly op: string;
  readonly label: string;
  readonly inputs: readonly InputSpec[];
  readonly run: (xs: Tensor[], ctx: CaseContext) => Tensor | readonly Tensor[];
  /** Forward dtypes (of the `follow` inputs). */
  readonly dtypes: readonly DType[];
  /** Tolerance preset of float outputs (int32/bool outputs are always exact). */
  readonly tol: TolerancePreset;
  /** Differentiable: checked by finite differences (float64) and target-vs-cpu (float32). */
  readonly grad: boolean;
  /** `manualSeed(seed)` before every evaluation (random ops, dropout). */
  readonly seed?: number;
  /**
   * The unfused computation (e.g. a composite's decomposition) that `run` (its fused kernel)
   * must match on the backend under test itself, forward and gradients.
   */
  readonly reference?: OpCase['run'];
}

// ---------------------------------------------------------------- builders

type G = GenName | Gen;
const gen = (g: G): Gen => (typeof g === 'string' ? GENS[g] : g);
/** An input that follows the case dtype. */
const f = (shape: readonly number[], g: G = 'normal'): InputSpec => ({ shape, gen: gen(g), kind: 'follow' });
/** An int32 index input with values in [0, hi). */
const idx = (shape: readonly number[], hi: number): InputSpec => ({ shape, gen: indexGen(hi), kind: 'int32' });
/** A fixed int32 input. */
const i32 = (shape: readonly number[], g: G = 'normal'): InputSpec => ({ shape, gen: gen(g), kind: 'int32' });
/** A bool input. */
const bool = (shape: readonly number[]): InputSpec => ({ shape, gen: GENS.bool, kind: 'bool' });

const F: DType[] = ['float32'];
const FI: DType[] = ['float32', 'int32'];
const FIB: DType[] = ['float32', 'int32', 'bool'];
const B: DType[] = ['bool'];


/** Options of `defineCase`. */
export interface CaseOptions {
  /** Forward dtypes of the `follow` inputs (default float32). */
  readonly dtypes?: readonly DType[];
  /** Tolerance preset (default 'float32'). */
  readonly tol?: TolerancePreset;
  /** Check gradients (default: unless the registered op is non-differentiable). */
  readonly grad?: boolean;
  /** manualSeed before every evaluation. */
  readonly seed?: number;
  /** The unfused computation `run` must match on every backend (see `OpCase.reference`). */
  readonly reference?: OpCase['run'];
}
type Opts = CaseOptions;

/**
 * Builds a case, e.g. for a plugin's custom op (pass it to `runConformance`'s `cases`).
 * Gradients are checked unless the op is non-differentiable, `grad` is false, or no input
 * follows a float dtype.
 */
export function defineCase(op: string, label: string, inputs: readonly InputSpec[], run: OpCase['run'], o: CaseOptions = {}): OpCase {
  const def = T.getOpDef(op) as { nonDifferentiable?: true } | undefined;
  const dtypes = o.dtypes ?? F;
  const grad = (o.grad ?? !def?.nonDifferentiable) && dtypes.includes('float32') && inputs.some((s) => s.kind === 'follow');
  return { id: `${op}: ${label}`, op, label, inputs, run, dtypes, tol: o.tol ?? 'float32', grad, seed: o.seed, reference: o.reference };
}

/** Input builders for `defineCase`. */
export const input = {
  /** Follows the case dtype (float32/int32/bool forward, float64 in the gradient check). */
  follow: (shape: readonly number[], g: GenName | Gen = 'normal'): InputSpec => ({ shape, gen: gen(g), kind: 'follow' }),
  /** int32 indices in [0, hi). */
  index: (shape: readonly number[], hi: number): InputSpec => ({ shape, gen: indexGen(hi), kind: 'int32' }),
  /** A fixed int32 input. */
  int32: (shape: readonly number[], g: GenName | Gen = 'normal'): InputSpec => ({ shape, gen: gen(g), kind: 'int32' }),
  /** A bool input. */
  bool: (shape: readonly number[]): InputSpec => ({ shape, gen: GENS.bool, kind: 'bool' }),
};

const cases: OpCase[] = [];
function add(op: string, label: string, inputs: InputSpec[], run: OpCase['run'], o: Opts = {}): void {
  cases.push(defineCase(op, label, inputs, run, o));
}
const shp = (s: readonly number[]) => `[${s.join(', ')}]`;
type Fn1 = (x: Tensor) => Tensor;
type Fn2 = (a: Tensor, b: Tensor) => Tensor;
const fn = T as unknown as Record<string, Fn1 & Fn2>;

// ---------------------------------------------------------------- unary family

const UNARY_SHAPES = [[], [3, 1, 4]];
const UNARY: [op: string, g: G, dtypes: DType[], tol: TolerancePreset][] = [
  ['neg', 'normal', FI, 'float32'],
  ['abs', 'awayZero', FI, 'float32'],
  ['sign', 'awayZero', FI, 'exact'],
  ['exp', 'normal', F, 'transcendental'],
  ['expm1', 'unit', F, 'transcendental'],
  ['log', 'positive', F, 'transcendental'],
  ['log1p', 'positive', F, 'transcendental'],
  ['sqrt', 'positive', F, 'transcendental'],
  ['rsqrt', 'positive', F, 'transcendental'],
  ['square', 'normal', FI, 'float32'],
  ['reciprocal', 'awayZero', F, 'float32'],
  ['sin', 'normal', F, 'transcendental'],
  ['cos', 'normal', F, 'transcendental'],
  ['tanh', 'normal', F, 'transcendental'],
  ['sigmoid', 'normal', F, 'transcendental'],
  ['relu', 'awayZero', FI, 'float32'],
  ['softplus', 'normal', F, 'transcendental'],
  ['erf', 'normal', F, 'transcendental'],
  ['gelu', 'normal', F, 'transcendental'],
  ['floor', 'fractional', FI, 'exact'],
  ['ceil', 'fractional', FI, 'exact'],
  ['round', 'fractional', FI, 'exact'],
];
for (const [op, g, dtypes, tol] of UNARY) {
  for (const s of UNARY_SHAPES) add(op, shp(s), [f(s, g)], ([x]) => fn[op](x), { dtypes, tol });
}
add('logicalNot', '[2, 3]', [f([2, 3])], ([x]) => T.logicalNot(x), { dtypes: B });
add('logicalNot', '[]', [f([])], ([x]) => T.logicalNot(x), { dtypes: B });
add('leakyRelu', 'alpha 0.2 [3, 1, 4]', [f([3, 1, 4], 'awayZero')], ([x]) => T.leakyRelu(x, 0.2));
add('elu', 'alpha 0.7 [3, 1, 4]', [f([3, 1, 4], 'awayZero')], ([x]) => T.elu(x, 0.7), { tol: 'transcendental' });
add('clip', '[-0.5, 0.7] [3, 1, 4]', [f([3, 1, 4], avoiding(GENS.normal, [-0.5, 0.7]))], ([x]) => T.clip(x, -0.5, 0.7));
add('clip', '[-2, 3] []', [f([], avoiding(GENS.normal, [-2, 3]))], ([x]) => T.clip(x, -2, 3), { dtypes: FI });
add('clip', '[-2, 3] [2, 5]', [f([2, 5], avoiding(GENS.normal, [-2, 3]))], ([x]) => T.clip(x, -2, 3), { dtypes: FI });
add('cast', 'same dtype (clone) [2, 3]', [f([2, 3])], ([x]) => T.cast(x, x.dtype), { dtypes: FIB });
add('cast', 'float→int32 truncates [2, 5]', [f([2, 5], 'fractional')], ([x]) => T.cast(x, 'int32'), { grad: false });
add('cast', 'float→bool [2, 5]', [f([2, 5], 'small')], ([x]) => T.cast(x, 'bool'), { grad: false });
add('cast', 'int32→float [2, 5]', [i32([2, 5])], ([x], c) => T.cast(x, c.dtype));
add('cast', 'bool→float [2, 5]', [bool([2, 5])], ([x], c) => T.cast(x, c.dtype));
add('cast', 'bool→int32 [2, 5]', [bool([2, 5])], ([x]) => T.cast(x, 'int32'));

// ---------------------------------------------------------------- binary family

const BINARY_SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 1, 3], [4, 1]],
  [[], [3, 2]],
];
const BINARY: [op: string, ga: G, gb: G, dtypes: DType[], tol: TolerancePreset][] = [
  ['add', 'normal', 'normal', FI, 'float32'],
  ['sub', 'normal', 'normal', FI, 'float32'],
  ['mul', 'normal', 'normal', FI, 'float32'],
  ['div', 'normal', 'awayZero', FI, 'float32'],
  ['pow', 'positive', 'normal', F, 'transcendental'],
  ['maximum', 'latticeA', 'latticeB', FI, 'float32'],
  ['minimum', 'latticeA', 'latticeB', FI, 'float32'],
  ['mod', 'awayZero', 'modDivisor', FI, 'float32'],
  ['equal', 'small', 'small', FIB, 'exact'],
  ['notEqual', 'small', 'small', FIB, 'exact'],
  ['less', 'small', 'small', FI, 'exact'],
  ['lessEqual', 'small', 'small', FI, 'exact'],
  ['greater', 'small', 'small', FI, 'exact'],
  ['greaterEqual', 'small', 'small', FI, 'exact'],
  ['logicalAnd', 'bool', 'bool', B, 'exact'],
  ['logicalOr', 'bool', 'bool', B, 'exact'],
  ['logicalXor', 'bool', 'bool', B, 'exact'],
];
for (const [op, ga, gb, dtypes, tol] of BINARY) {
  for (const [sa, sb] of BINARY_SHAPES) {
    add(op, `${shp(sa)} ∘ ${shp(sb)}`, [f(sa, ga), f(sb, gb)], ([a, b]) => fn[op](a, b), { dtypes, tol });
  }
}
// The expression primitive itself: every backend compiles these (fused chains look like this).
{
  const [x, y, z] = [T.ex.input(0), T.ex.input(1), T.ex.input(2)];
  const ew = (e: T.Expr, scalars: number[] = []) => (xs: Tensor[]) => T.elementwise(e, xs, scalars);
  add('elementwise', 'x·s0 + y (scalar) [3, 4] + [4]', [f([3, 4]), f([4])], ew(T.ex.add(T.ex.mul(x, T.ex.scalar(0)), y), [0.75]), { dtypes: FI });
  add('elementwise', 'select(x > y, x·y, z − 1) [2, 1, 3] [4, 1] []', [f([2, 1, 3]), f([4, 1]), f([])], ew(T.ex.select(T.ex.gt(x, y), T.ex.mul(x, y), T.ex.sub(z, 1))), { dtypes: FI });
  add('elementwise', 'softplus formula max(x, 0) + log1p(exp(−|x|)) [2, 5]', [f([2, 5])], ew(T.ex.add(T.ex.max(x, 0), T.ex.log1p(T.ex.exp(T.ex.neg(T.ex.abs(x)))))), { tol: 'transcendental' });
  add('elementwise', 'tanh(x)·sigmoid(y)/(1 + x²) [3, 4] [3, 1]', [f([3, 4]), f([3, 1])], ew(T.ex.div(T.ex.mul(T.ex.tanh(x), T.ex.div(1, T.ex.add(1, T.ex.exp(T.ex.neg(y))))), T.ex.add(1, T.ex.mul(x, x)))), { tol: 'transcendental' });
  add('elementwise', 'cast(x > 0, dtype)·x with bools and (x < 0 xor y < 0) [6]', [f([6]), f([6])], ew(T.ex.select(T.ex.xor(T.ex.lt(x, 0), T.ex.lt(y, 0)), T.ex.mul(T.ex.cast(T.ex.gt(x, 0), 'float32'), 1), T.ex.cast(T.ex.ge(y, x), 'float32'))), { grad: false });
}
add('where', 'cond [3, 1], a [3, 4], b [4]', [bool([3, 1]), f([3, 4]), f([4])], ([c, a, b]) => T.where(c, a, b), { dtypes: FIB });
add('where', 'cond [2, 3], a [], b [2, 1]', [bool([2, 3]), f([]), f([2, 1])], ([c, a, b]) => T.where(c, a, b), { dtypes: FI });

// ---------------------------------------------------------------- reductions

type Axes = number | number[] | undefined;
const REDUCTIONS: [shape: number[], axes: Axes, keep: boolean][] = [
  [[2, 3, 4], undefined, false],
  [[2, 3, 4], 1, true],
  [[2, 3, 4], [0, 2], false],
  [[], undefined, false],
];
const axesLabel = (s: number[], a: Axes, k: boolean) => `${shp(s)} axes ${a === undefined ? 'all' : JSON.stringify(a)}${k ? ' keepDims' : ''}`;
const REDUCE: [op: 'sum' | 'prod' | 'max' | 'min', g: G, dtypes: DType[]][] = [
  ['sum', 'normal', FIB],
  ['prod', 'awayZero', FI],
  ['max', 'distinct', FI],
  ['min', 'distinct', FI],
];
for (const [op, g, dtypes] of REDUCE) {
  for (const [s, a, k] of REDUCTIONS) {
    add(op, axesLabel(s, a, k), [f(s, g)], ([x]) => T[op](x, a, k), { dtypes, tol: 'accumulate' });
  }
}
for (const op of ['argmax', 'argmin'] as const) {
  add(op, '[2, 3, 4] axis 1', [f([2, 3, 4], 'distinct')], ([x]) => T[op](x, 1), { dtypes: FI });
  add(op, '[3, 4] flattened', [f([3, 4], 'distinct')], ([x]) => T[op](x));
  add(op, 'ties → first index [4, 5] axis -1', [f([4, 5], 'small')], ([x]) => T[op](x, -1, true), { dtypes: FI });
}
// Composite reductions.
add('mean', '[2, 3, 4] axis -1', [f([2, 3, 4])], ([x]) => T.mean(x, -1), { tol: 'accumulate' });
add('mean', '[2, 3, 4] all', [f([2, 3, 4])], ([x]) => T.mean(x), { tol: 'accumulate' });
add('mean', '[2, 3, 4] axes [0, 2] keepDims', [f([2, 3, 4])], ([x]) => T.mean(x, [0, 2], true), { tol: 'accumulate' });
add('variance', '[3, 5] axis 1 (unbiased)', [f([3, 5])], ([x]) => T.variance(x, 1), { tol: 'accumulate' });
add('variance', '[2, 3, 4] all, correction 0', [f([2, 3, 4])], ([x]) => T.variance(x, undefined, { correction: 0 }), { tol: 'accumulate' });
add('std', '[4, 3] axis 0', [f([4, 3])], ([x]) => T.std(x, 0), { tol: 'accumulate' });
add('std', '[2, 3, 4] axes [1, 2] keepDims', [f([2, 3, 4])], ([x]) => T.std(x, [1, 2], { keepDims: true }), { tol: 'accumulate' });
add('norm', 'ord 2 [3, 4] all', [f([3, 4], 'awayZero')], ([x]) => T.norm(x), { tol: 'accumulate' });
add('norm', 'ord 1 [3, 4] axis 1', [f([3, 4], 'awayZero')], ([x]) => T.norm(x, 1, 1), { tol: 'accumulate' });
add('norm', 'ord ∞ [3, 4] axis -1', [f([3, 4], 'distinctAbs')], ([x]) => T.norm(x, Infinity, -1), { tol: 'accumulate' });
add('norm', 'ord 3 [2, 3, 2] axes [0, 1] keepDims', [f([2, 3, 2], 'awayZero')], ([x]) => T.norm(x, 3, [0, 1], true), { tol: 'transcendental' });
add('logSumExp', '[3, 5] axis 1', [f([3, 5])], ([x]) => T.logSumExp(x, 1), { tol: 'transcendental' });
add('logSumExp', '[2, 3, 4] all', [f([2, 3, 4])], ([x]) => T.logSumExp(x), { tol: 'transcendental' });
add('logSumExp', '[2, 3, 4] axis 0 keepDims', [f([2, 3, 4])], ([x]) => T.logSumExp(x, 0, true), { tol: 'transcendental' });
for (const op of ['softmax', 'logSoftmax'] as const) {
  add(op, '[2, 3, 4] axis -1', [f([2, 3, 4])], ([x]) => T[op](x), { tol: 'transcendental' });
  add(op, '[3, 5] axis 0', [f([3, 5])], ([x]) => T[op](x, 0), { tol: 'transcendental' });
  add(op, '[1, 1] axis -1', [f([1, 1])], ([x]) => T[op](x), { tol: 'transcendental' });
}
const CE = { ignoreIndex: -100 };
add('softmaxCrossEntropy', '[4, 5] labels [4]', [f([4, 5]), idx([4], 5)], ([x, t]) => T.softmaxCrossEntropy(x, t), { tol: 'transcendental' });
add('softmaxCrossEntropy', 'long rows [2, 260]', [f([2, 260]), idx([2], 260)], ([x, t]) => T.softmaxCrossEntropy(x, t), { tol: 'transcendental' });
add('softmaxCrossEntropyGrad', '[4, 5] labels [4] dy [4]', [f([4, 5]), idx([4], 5), f([4])], (xs) => T.runOp(T.softmaxCrossEntropyGradDef, xs, CE), { tol: 'transcendental' });
add('softmaxCrossEntropyGrad', 'long rows [2, 300]', [f([2, 300]), idx([2], 300), f([2])], (xs) => T.runOp(T.softmaxCrossEntropyGradDef, xs, CE), { tol: 'transcendental' });

// x on odd and bias on even multiples of 0.2: x + bias stays ≥ 0.15 from relu's kink.
const BIAS_GEOMETRY: [label: string, x: number[], axis: number][] = [
  ['[3, 4] axis -1', [3, 4], -1],
  ['NCHW [2, 3, 2, 2] axis 1', [2, 3, 2, 2], 1],
];
for (const activation of T.FUSED_ACTIVATIONS) {
  const tol: TolerancePreset = activation === 'sigmoid' || activation === 'tanh' ? 'transcendental' : 'float32';
  for (const [label, sx, axis] of BIAS_GEOMETRY) {
    const bias = f([sx.at(axis)!], 'latticeB');
    add('biasActivation', `${activation} ${label}`, [f(sx, 'latticeA'), bias], ([x, b]) => T.biasActivation(x, b, { axis, activation }), { tol });
    add('biasActivationGrad', `${activation} ${label}`, [f(sx), f(sx, activation === 'sigmoid' ? 'unit' : 'awayZero')], ([dy, y]) => T.biasActivationGrad(dy, y, { axis, activation }), { tol });
  }
}
add('biasAddGrad', '[3, 4] axis -1', [f([3, 4])], ([dz]) => T.biasAddGrad(dz), { tol: 'accumulate' });
add('biasAddGrad', 'NCHW [2, 3, 2, 2] axis 1', [f([2, 3, 2, 2])], ([dz]) => T.biasAddGrad(dz, 1), { tol: 'accumulate' });
add('biasAddGrad', 'NCHW [4, 5, 9, 9] axis 1', [f([4, 5, 9, 9])], ([dz]) => T.biasAddGrad(dz, 1), { tol: 'accumulate' });
add('biasAddGrad', 'many rows [300, 3] axis -1', [f([300, 3])], ([dz]) => T.biasAddGrad(dz), { tol: 'accumulate' });

// Training-mode batch norm: the fused op, its statistics and its two gradient passes (the
// gradient passes take stats computed from x, as batchNorm's gradient does).
const BN_GEOMETRY: [label: string, x: number[]][] = [
  ['NCHW [4, 3, 2, 3]', [4, 3, 2, 3]],
  ['[N, C] [6, 2]', [6, 2]],
  ['NCL [3, 4, 5]', [3, 4, 5]],
];
for (const [label, sx] of BN_GEOMETRY) {
  const c = sx[1]!;
  add('batchNorm', label, [f(sx), f([c], 'awayZero'), f([c])], ([x, w, b]) => T.batchNorm(x, w, b), { tol: 'accumulate' });
  add('batchNorm', `${label} eps 0.1`, [f(sx), f([c], 'awayZero'), f([c])], ([x, w, b]) => T.batchNorm(x, w, b, { eps: 0.1 }), { tol: 'accumulate' });
  add('batchNorm', `${label} stats given`, [f(sx), f([c], 'awayZero'), f([c])], ([x, w, b]) => T.batchNorm(x, w, b, { stats: T.batchNormStats(x) }), { tol: 'accumulate' });
  add('batchNormStats', label, [f(sx)], ([x]) => T.batchNormStats(x), { tol: 'accumulate' });
  add('batchNormParamGrad', label, [f(sx), f(sx)], ([dy, x]) => T.runOp(T.batchNormParamGradDef, [dy, x, T.batchNormStats(x)], { eps: 1e-5 }), { tol: 'accumulate' });
  add('batchNormInputGrad', label, [f(sx), f(sx), f([c])], ([dy, x, w]) => {
    const stats = T.batchNormStats(x);
    const sums = T.runOp(T.batchNormParamGradDef, [dy, x, stats], { eps: 1e-5 });
    return T.runOp(T.batchNormInputGradDef, [dy, x, w, stats, sums], { eps: 1e-5 });
  }, { tol: 'accumulate', grad: false });
}

// ---------------------------------------------------------------- matmul

const MATMUL: [label: string, a: number[], b: number[], o: T.MatmulOptions][] = [
  ['[3, 4]·[4, 5]', [3, 4], [4, 5], {}],
  ['[4, 3]ᵀ·[4, 5]', [4, 3], [4, 5], { transposeA: true }],
  ['[3, 4]·[5, 4]ᵀ', [3, 4], [5, 4], { transposeB: true }],
  ['[4, 3]ᵀ·[5, 4]ᵀ', [4, 3], [5, 4], { transposeA: true, transposeB: true }],
  ['batched [2, 3, 4]·[2, 4, 5]', [2, 3, 4], [2, 4, 5], {}],
  ['batch broadcast [2, 1, 3, 4]·[3, 4, 5]', [2, 1, 3, 4], [3, 4, 5], {}],
  ['batch·matrix [2, 3, 4]·[4, 5]', [2, 3, 4], [4, 5], {}],
  ['matrix·batch [3, 4]·[2, 4, 5]', [3, 4], [2, 4, 5], {}],
  ['batched transposes [2, 4, 3]ᵀ·[1, 5, 4]ᵀ', [2, 4, 3], [1, 5, 4], { transposeA: true, transposeB: true }],
  ['batched transposeA [2, 4, 3]ᵀ·[4, 5]', [2, 4, 3], [4, 5], { transposeA: true }],
  ['vector·matrix [4]·[4, 5]', [4], [4, 5], {}],
  ['matrix·vector [3, 4]·[4]', [3, 4], [4], {}],
  ['dot [4]·[4]', [4], [4], {}],
  ['size-1 dims [1, 4]·[4, 1]', [1, 4], [4, 1], {}],
];
for (const [label, sa, sb, o] of MATMUL) {
  add('matmul', label, [f(sa), f(sb)], ([a, b]) => T.matmul(a, b, o), { dtypes: FI, tol: 'accumulate' });
}

// ---------------------------------------------------------------- movement

const MV = { dtypes: FIB, tol: 'exact' as const };
add('transpose', '[2, 3, 4] perm [2, 0, 1]', [f([2, 3, 4])], ([x]) => T.permute(x, [2, 0, 1]), MV);
add('transpose', '[3, 5] last two axes', [f([3, 5])], ([x]) => T.transpose(x), MV);
add('transpose', '[2, 1, 3, 2] perm [3, 1, 0, 2]', [f([2, 1, 3, 2])], ([x]) => T.permute(x, [3, 1, 0, 2]), MV);
add('broadcastTo', '[3, 1] → [2, 3, 4]', [f([3, 1])], ([x]) => T.broadcastTo(x, [2, 3, 4]), MV);
add('broadcastTo', '[] → [2, 2]', [f([])], ([x]) => T.broadcastTo(x, [2, 2]), MV);
add('slice', '[4, 5, 3] begin [1, 0, 1] size [2, -1, 2]', [f([4, 5, 3])], ([x]) => T.slice(x, [1, 0, 1], [2, -1, 2]), MV);
add('slice', '[5, 6] steps [2, 3]', [f([5, 6])], ([x]) => T.slice(x, [0, 1], [3, 2], [2, 3]), MV);
add('slice', '[4, 3] negative begin', [f([4, 3])], ([x]) => T.slice(x, [-2, 1]), MV);
add('concat', '[2, 3] + [4, 3] axis 0', [f([2, 3]), f([4, 3])], (xs) => T.concat(xs, 0), MV);
add('concat', '[2, 1, 3] + [2, 2, 3] + [2, 3, 3] axis 1', [f([2, 1, 3]), f([2, 2, 3]), f([2, 3, 3])], (xs) => T.concat(xs, 1), MV);
add('pad', '[2, 3] pads [[1, 0], [2, 1]]', [f([2, 3])], ([x]) => T.pad(x, [[1, 0], [2, 1]]), MV);
add('pad', '[3, 2, 2] value 1', [f([3, 2, 2])], ([x]) => T.pad(x, [[0, 1], [1, 1], [0, 0]], 1), MV);
add('flip', '[2, 3, 4] axes [0, 2]', [f([2, 3, 4])], ([x]) => T.flip(x, [0, 2]), MV);
add('flip', '[5] axis 0', [f([5])], ([x]) => T.flip(x, 0), MV);
add('gather', '[3, 4] axis 1, index [3, 2]', [f([3, 4]), idx([3, 2], 4)], ([x, i]) => T.gather(x, 1, i), MV);
add('gather', '[4, 3] axis 0, index [2, 3]', [f([4, 3]), idx([2, 3], 4)], ([x, i]) => T.gather(x, 0, i), MV);
add('scatterAdd', '[3, 4] axis 0, index [5, 4] (repeats)', [f([3, 4]), idx([5, 4], 3), f([5, 4])], ([x, i, s]) => T.scatterAdd(x, 0, i, s), { dtypes: FI });
add('scatterAdd', '[2, 5] axis 1, index [2, 3]', [f([2, 5]), idx([2, 3], 5), f([2, 3])], ([x, i, s]) => T.scatterAdd(x, 1, i, s), { dtypes: FI });
add('reshape', '[2, 3, 4] → [6, -1]', [f([2, 3, 4])], ([x]) => T.reshape(x, [6, -1]), MV);
add('reshape', 'squeeze/unsqueeze/flatten [2, 1, 3]', [f([2, 1, 3])], ([x]) => T.flatten(T.unsqueeze(T.squeeze(x, 1), 0)), MV);
add('tile', '[2, 3] reps [2, 1, 2]', [f([2, 3])], ([x]) => T.tile(x, [2, 1, 2]), MV);
add('tile', '[3] reps [2]', [f([3])], ([x]) => T.tile(x, [2]), MV);
add('stack', '3 × [2, 3] axis 1', [f([2, 3]), f([2, 3]), f([2, 3])], (xs) => T.stack(xs, 1), MV);
add('stack', '2 × [] axis 0', [f([]), f([])], (xs) => T.stack(xs, 0), MV);
add('split', '[6, 4] sizes [1, 2, 3] axis 0', [f([6, 4])], ([x]) => T.split(x, [1, 2, 3], 0), MV);
add('split', '[2, 6] 3 parts axis 1', [f([2, 6])], ([x]) => T.split(x, 3, 1), MV);
add('indexSelect', '[4, 3] axis 0, 5 indices (repeats)', [f([4, 3]), idx([5], 4)], ([x, i]) => T.indexSelect(x, 0, i), MV);
add('indexSelect', '[2, 4, 3] axis 1, 2 indices', [f([2, 4, 3]), idx([2], 4)], ([x, i]) => T.indexSelect(x, 1, i), MV);
add('oneHot', '[2, 3] depth 4', [idx([2, 3], 4)], ([i], c) => T.oneHot(i, 4, c.dtype as 'float32'), { dtypes: FI, tol: 'exact' });

// ---------------------------------------------------------------- nn

const conv2dOut = (inSize: number, k: number, s: number, p0: number, p1: number, d: number) =>
  Math.floor((inSize + p0 + p1 - d * (k - 1) - 1) / s) + 1;
const CONV: [label: string, x: number[], w: number[], o: T.Conv2dOptions][] = [
  ['x [1, 2, 5, 5] w [3, 2, 3, 3]', [1, 2, 5, 5], [3, 2, 3, 3], {}],
  ['stride [2, 1] pads [1, 1, 0, 1]', [2, 3, 6, 5], [4, 3, 3, 2], { stride: [2, 1], padding: [1, 1, 0, 1] }],
  ['dilation [2, 1] groups 2 same', [1, 4, 7, 6], [4, 2, 3, 2], { dilation: [2, 1], groups: 2, padding: 'same' }],
  ['depthwise groups 3 stride 2', [1, 3, 5, 4], [3, 1, 2, 2], { groups: 3, stride: 2 }],
  ['1×1 kernel, non-square [2, 3, 2, 5]', [2, 3, 2, 5], [2, 3, 1, 1], {}],
];
for (const [label, sx, sw, o] of CONV) {
  add('conv2d', label, [f(sx), f(sw)], ([x, w]) => T.conv2d(x, w, o), { tol: 'accumulate' });
}
add('conv2d', 'with bias [2, 2, 4, 4]', [f([2, 2, 4, 4]), f([3, 2, 2, 2]), f([3])], ([x, w, b]) => T.conv2d(x, w, { bias: b, padding: 1 }), { tol: 'accumulate' });
add('conv1d', 'x [2, 3, 8] w [4, 3, 3] stride 2 pad 1 dilation 2', [f([2, 3, 8]), f([4, 3, 3])], ([x, w]) => T.conv1d(x, w, { stride: 2, padding: 1, dilation: 2 }), { tol: 'accumulate' });
add('conv1d', 'groups 2 same', [f([1, 4, 6]), f([2, 2, 3])], ([x, w]) => T.conv1d(x, w, { groups: 2, padding: 'same' }), { tol: 'accumulate' });

// The backprop primitives, run directly through runOp (their gradients are checked too).
const BACKPROP: [label: string, x: number[], w: number[], a: T.Conv2dAttrs][] = [
  ['stride [2, 1] pads [1, 0, 1, 1]', [2, 3, 5, 4], [4, 3, 3, 2], { strides: [2, 1], pads: [1, 0, 1, 1], dilations: [1, 1], groups: 1 }],
  ['dilation [1, 2] groups 2', [1, 4, 4, 6], [2, 2, 2, 2], { strides: [1, 1], pads: [0, 0, 1, 1], dilations: [1, 2], groups: 2 }],
];
for (const [label, sx, sw, a] of BACKPROP) {
  const dy = [sx[0], sw[0], conv2dOut(sx[2], sw[2], a.strides[0], a.pads[0], a.pads[1], a.dilations[0]), conv2dOut(sx[3], sw[3], a.strides[1], a.pads[2], a.pads[3], a.dilations[1])];
  add('conv2dBackpropInput', label, [f(dy), f(sw)], ([g, w]) => T.runOp(T.primitiveDefs.conv2dBackpropInput, [g, w], { ...a, inputShape: sx }), { tol: 'accumulate' });
  add('conv2dBackpropFilter', label, [f(sx), f(dy)], ([x, g]) => T.runOp(T.primitiveDefs.conv2dBackpropFilter, [x, g], { ...a, filterShape: sw }), { tol: 'accumulate' });
}

const POOL: [label: string, x: number[], o: T.Pool2dOptions][] = [
  ['k 2 [1, 2, 4, 6]', [1, 2, 4, 6], { kernelSize: 2 }],
  ['k [2, 3] stride [2, 1] pad [1, 1]', [2, 3, 5, 6], { kernelSize: [2, 3], stride: [2, 1], padding: [1, 1] }],
  ['k 3 stride 2 pad 1', [1, 2, 5, 5], { kernelSize: 3, stride: 2, padding: 1 }],
];
for (const [label, sx, o] of POOL) {
  add('maxPool2d', label, [f(sx, 'distinct')], ([x]) => T.maxPool2d(x, o), { tol: 'exact' });
  add('avgPool2d', `${label} countIncludePad`, [f(sx)], ([x]) => T.avgPool2d(x, { ...o, countIncludePad: true }), { tol: 'accumulate' });
  if (o.padding) add('avgPool2d', `${label} excludePad`, [f(sx)], ([x]) => T.avgPool2d(x, { ...o, countIncludePad: false }), { tol: 'accumulate' });
}
add('maxPool1d', 'k 3 stride 2 pad 1 [2, 3, 7]', [f([2, 3, 7], 'distinct')], ([x]) => T.maxPool1d(x, { kernelSize: 3, stride: 2, padding: 1 }), { tol: 'exact' });
add('avgPool1d', 'k 2 [2, 3, 6]', [f([2, 3, 6])], ([x]) => T.avgPool1d(x, { kernelSize: 2 }), { tol: 'accumulate' });
add('avgPool1d', 'k 3 stride 1 pad 1 excludePad [1, 2, 5]', [f([1, 2, 5])], ([x]) => T.avgPool1d(x, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false }), { tol: 'accumulate' });
const poolAttrs: T.Pool2dAttrs = { kernel: [2, 3], strides: [2, 1], pads: [1, 1, 1, 1] };
add('maxPool2dBackward', 'k [2, 3] stride [2, 1] pad [1, 1]', [f([2, 3, 3, 6]), f([2, 3, 5, 6], 'distinct')], ([dy, x]) => T.runOp(T.primitiveDefs.maxPool2dBackward, [dy, x], poolAttrs), { tol: 'accumulate' });
// Second order: the gradient of max pooling, differentiated again (through maxPool2dBackward's own gradient).
for (const [label, sx, o] of POOL) {
  add('maxPool2d', `second order ${label}`, [f(sx, 'distinct')], ([x]) => T.gradOf((z) => T.sum(T.square(T.maxPool2d(z, o))))(x), { tol: 'accumulate' });
}
for (const countIncludePad of [true, false]) {
  add('avgPool2dBackward', `k [2, 3] stride [2, 1] pad [1, 1] ${countIncludePad ? 'countIncludePad' : 'excludePad'}`, [f([2, 3, 3, 6])], ([dy]) =>
    T.runOp(T.primitiveDefs.avgPool2dBackward, [dy], { ...poolAttrs, countIncludePad, inputShape: [2, 3, 5, 6] }), { tol: 'accumulate' });
}

// ---------------------------------------------------------------- randomness

add('random', 'uniform [3, 4]', [], (_, c) => T.rand([3, 4], { backend: c.backend, dtype: c.dtype }), { tol: 'exact', seed: 7 });
add('random', 'normal [5] (odd size)', [], (_, c) => T.randn([5], { backend: c.backend, dtype: c.dtype }), { tol: 'transcendental', seed: 8 });
add('dropout', 'p 0.3 [4, 5] fixed seed', [f([4, 5])], ([x]) => T.dropout(x, 0.3), { seed: 1234 });

cases.push(...attentionCases(), ...attentionGradCases());

/** Every case of the kit, in table order. */
export const CASES: readonly OpCase[] = cases;

/** Composite (non-primitive) ops the kit covers, in table order. */
export function compositeOps(): string[] {
  const prim = new Set([...Object.keys(T.primitiveDefs), ...Object.keys(T.elementwiseDefs)]);
  return [...new Set(CASES.map((c) => c.op).filter((op) => !prim.has(op)))];
}
