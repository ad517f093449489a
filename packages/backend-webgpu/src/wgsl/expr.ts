import { BackendError, type DType, type ExprBinaryOp, type ExprInstr, type ExprUnaryOp, type LoweredExpr } from '@tessera/core';
import { f32Bits } from './params.js';
import type { ScalarType } from './scalar.js';

/**
 * A lowered expression compiled to WGSL statements: one `let tN` per instruction, the
 * result stored into `y[i]`. Scalars are uniform words (not part of the code), so one
 * pipeline serves every learning rate.
 */
export interface CompiledExpr {
  /** Short id of `lowered.key` (the same key always gives the same id): the pipeline key's expression part. */
  readonly id: string;
  /** Storage types of the inputs and the output (bool is u32 0/1). */
  readonly inTypes: readonly ScalarType[];
  readonly outType: ScalarType;
  /**
   * The shader body: `load(k)` is the WGSL that reads input k at the current element,
   * `word(j)` the accessor of uniform word j of the scalar block, `target` where the
   * result is stored (default `y[i]`).
   */
  body(load: (k: number) => string, word: (j: number) => string, target?: string): string;
  /** The scalar block's uniform words for this call's scalar values. */
  words(scalars: readonly number[]): number[];
}

/** WGSL storage type of a GPU dtype; float64 is not a WebGPU dtype. */
function storageType(dtype: DType, op: string): ScalarType {
  if (dtype === 'float32') return 'f32';
  if (dtype === 'int32') return 'i32';
  if (dtype === 'bool') return 'u32';
  throw new BackendError(
    `webgpu: ${op}: the expression computes ${dtype}, which WebGPU has no type for; keep it in float32 (float64 runs on the CPU backend).`,
  );
}

/** WGSL type of a temporary: bools are WGSL `bool` inside the shader, u32 0/1 in storage. */
const tempType = (t: ScalarType): string => (t === 'u32' ? 'bool' : t);

/** A literal of `dtype` with the reference rounding (float32, int32 wrap, nonzero → true). */
function literal(value: number, dtype: DType): string {
  if (dtype === 'bool') return value !== 0 ? 'true' : 'false';
  if (dtype === 'int32') {
    const v = value | 0;
    // 2147483648i does not exist: the most negative i32 is written as a difference.
    return v === -2147483648 ? '(-2147483647i - 1i)' : v < 0 ? `(${v}i)` : `${v}i`;
  }
  const v = Math.fround(value);
  if (v !== v) return 't_nan()';
  if (v === Infinity) return 't_inf()';
  if (v === -Infinity) return 't_ninf()';
  // JS's shortest decimal of a float32 value parses back to that float32 exactly.
  const s = Object.is(v, -0) ? '-0' : String(v);
  return s.startsWith('-') ? `(${s}f)` : `${s}f`;
}

type Emit1 = (x: string, t: ScalarType) => string;
type Emit2 = (a: string, b: string, t: ScalarType) => string;
const float = (f: (x: string) => string, other: (x: string) => string = (x) => x): Emit1 => (x, t) => (t === 'f32' ? f(x) : other(x));
const call = (fn: string) => (x: string): string => `${fn}(${x})`;

/**
 * Each unary node in WGSL, with the reference semantics of core's `evalExpr`: sign keeps
 * NaN, floor/ceil/round are the identity on int32, WGSL's `round` is half to even.
 */
const UNARY: { readonly [K in ExprUnaryOp]: Emit1 } = {
  neg: (x) => `-${x}`,
  abs: call('abs'),
  // ±0 and NaN are their own sign.
  sign: float((x) => `select(sign(${x}), ${x}, ${x} == 0.0 || t_isnan(${x}))`, (x) => `clamp(${x}, -1i, 1i)`),
  exp: call('t_exp'),
  expm1: call('t_expm1'),
  log: call('t_log'),
  log1p: call('t_log1p'),
  sqrt: call('sqrt'),
  sin: call('sin'),
  cos: call('cos'),
  tanh: call('t_tanh'),
  erf: call('t_erf'),
  floor: float(call('floor')),
  ceil: float(call('ceil')),
  round: float(call('round')),
  not: (x) => `!${x}`,
};

const infix = (op: string): Emit2 => (a, b) => `${a} ${op} ${b}`;
/**
 * Comparisons; WGSL orders no bools, so bool operands compare as 0/1. Float `!=` is
 * `!(a == b)`: true for NaN even where `!=` is an ordered comparison (SwiftShader).
 */
const compare =
  (op: string): Emit2 =>
  (a, b, t) =>
    t === 'u32' && op !== '==' && op !== '!='
      ? `u32(${a}) ${op} u32(${b})`
      : t === 'f32' && op === '!='
      ? `!(${a} == ${b})`
      : `${a} ${op} ${b}`;
const byType = (f: string, i: string): Emit2 => (a, b, t) => `${t === 'f32' ? f : i}(${a}, ${b})`;
const call2 = (fn: string): Emit2 => (a, b) => `${fn}(${a}, ${b})`;

/**
 * Each binary node in WGSL (`t` is the operands' type). int32 `+ − ×` wrap (WGSL's
 * run-time integer arithmetic is two's complement); int `div` floors with ÷0 → 0, `mod` is
 * floored; float max/min propagate NaN (WGSL leaves NaN in max/min unspecified).
 */
const BINARY: { readonly [K in ExprBinaryOp]: Emit2 } = {
  add: infix('+'),
  sub: infix('-'),
  mul: infix('*'),
  div: (a, b, t) => (t === 'f32' ? `${a} / ${b}` : `t_idiv(${a}, ${b})`),
  // Float only (the IR's type check): NumPy's rules for negative bases, pow(x, 0) = 1.
  pow: call2('t_pow'),
  max: byType('t_fmax', 'max'),
  min: byType('t_fmin', 'min'),
  mod: byType('t_fmod', 't_imod'),
  eq: compare('=='),
  ne: compare('!='),
  lt: compare('<'),
  le: compare('<='),
  gt: compare('>'),
  ge: compare('>='),
  and: infix('&&'),
  or: infix('||'),
  xor: infix('!='),
};

/** Converts a temporary of type `from` to `to` (float→int truncates and wraps like `|0`; nonzero → true). */
function convert(x: string, from: ScalarType, to: ScalarType): string {
  if (from === to) return x;
  if (to === 'u32') return `!(${x} == ${from}(0))`;
  if (from === 'f32') return `t_f2i(${x})`;
  return `${to}(${x})`;
}

/** The WGSL of one instruction's value; `v(n)` names temporary n, `scalar` reads a scalar word. */
function valueOf(
  ins: ExprInstr,
  instrs: readonly ExprInstr[],
  t: ScalarType,
  v: (n: number) => string,
  scalar: () => string,
  load: () => string,
): string {
  switch (ins.op) {
    case 'input':
      return t === 'u32' ? `${load()} != 0u` : load();
    case 'const':
      return literal(ins.value, ins.dtype);
    case 'scalar':
      return scalar();
    case 'cast':
      return convert(v(ins.x), storageType(instrs[ins.x].dtype, 'elementwise'), t);
    case 'select':
      return `select(${v(ins.b)}, ${v(ins.a)}, ${v(ins.cond)})`;
    default:
      if ('x' in ins) return UNARY[ins.op](v(ins.x), t);
      return BINARY[ins.op](v(ins.a), v(ins.b), storageType(instrs[ins.a].dtype, 'elementwise'));
  }
}

const ids = new Map<string, string>();
const compiled = new WeakMap<LoweredExpr, CompiledExpr>();

/** The scalar block: one uniform word per scalar instruction, encoded for its dtype. */
function scalarWords(instrs: readonly ExprInstr[]): (scalars: readonly number[]) => number[] {
  const slots = instrs.filter((i): i is Extract<ExprInstr, { op: 'scalar' }> => i.op === 'scalar');
  return (scalars) =>
    slots.map(({ index, dtype }) => {
      const s = scalars[index];
      return dtype === 'float32' ? f32Bits(s) : dtype === 'int32' ? (s | 0) >>> 0 : s !== 0 ? 1 : 0;
    });
}

/**
 * Compiles a lowered expression to WGSL (once per LoweredExpr; the pipeline cache keys by
 * `id`, which stands for `lowered.key`). Throws a BackendError for float64, which WebGPU lacks.
 */
export function compileExpr(lowered: LoweredExpr): CompiledExpr {
  const hit = compiled.get(lowered);
  if (hit) return hit;
  const { instrs } = lowered;
  const types = instrs.map((i) => storageType(i.dtype, 'elementwise'));
  let id = ids.get(lowered.key);
  if (id === undefined) ids.set(lowered.key, (id = `e${ids.size}`));
  const outType = types[types.length - 1];
  const out: CompiledExpr = {
    id,
    inTypes: lowered.inputs.map((d) => storageType(d, 'elementwise')),
    outType,
    body: (load, word, target = 'y[i]') => {
      let scalarSlot = 0;
      const v = (n: number) => `t${n}`;
      const lines = instrs.map((ins, n) => {
        const t = types[n];
        const scalar = () => {
          const w = word(scalarSlot++);
          return t === 'f32' ? `bitcast<f32>(${w})` : t === 'i32' ? `bitcast<i32>(${w})` : `${w} != 0u`;
        };
        const value = valueOf(ins, instrs, t, v, scalar, () => load(ins.op === 'input' ? ins.index : -1));
        return `  let t${n}: ${tempType(t)} = ${value};`;
      });
      const last = v(instrs.length - 1);
      lines.push(`  ${target} = ${outType === 'u32' ? `select(0u, 1u, ${last})` : last};`);
      return lines.join('\n');
    },
    words: scalarWords(instrs),
  };
  compiled.set(lowered, out);
  return out;
}
