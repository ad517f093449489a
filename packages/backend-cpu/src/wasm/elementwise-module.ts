import { F32, FnBuilder, I32, V128, type SimdName } from './encode.js';

type SimdOp = Exclude<SimdName, 'load' | 'load32Splat' | 'store' | 'const'>;

/** One elementwise op: its f32x4 instruction(s) and its scalar f32 instruction(s). */
interface Lanes {
  readonly vec: (f: FnBuilder) => void;
  readonly scalar: (f: FnBuilder) => void;
}

const simd = (name: SimdOp) => (f: FnBuilder) => void f.simd1(name);

/**
 * float32 binary ops that wasm computes exactly like the TypeScript kernels (one IEEE
 * operation in single precision equals the double result rounded to float32; min/max
 * follow Math.min/Math.max on NaN and ±0).
 */
export const WASM_BINARY = {
  add: { vec: simd('f32x4Add'), scalar: (f) => void f.f32Add() },
  sub: { vec: simd('f32x4Sub'), scalar: (f) => void f.op1('f32Sub') },
  mul: { vec: simd('f32x4Mul'), scalar: (f) => void f.op1('f32Mul') },
  div: { vec: simd('f32x4Div'), scalar: (f) => void f.op1('f32Div') },
  maximum: { vec: simd('f32x4Max'), scalar: (f) => void f.op1('f32Max') },
  minimum: { vec: simd('f32x4Min'), scalar: (f) => void f.op1('f32Min') },
} as const satisfies Record<string, Lanes>;

/** float32 unary ops with the same exactness. relu is pmax(x, 0) = x < 0 ? 0 : x, keeping NaN. */
export const WASM_UNARY = {
  relu: {
    vec: (f) => void f.v128Zero().simd1('f32x4Pmax'),
    scalar: (f) => {
      // select(0, x, x < 0)
      const x = f.local(F32);
      f.set(x);
      f.f32(0).get(x).get(x).f32(0).op1('f32Lt').selectOp();
    },
  },
  neg: { vec: simd('f32x4Neg'), scalar: (f) => void f.op1('f32Neg') },
  abs: { vec: simd('f32x4Abs'), scalar: (f) => void f.op1('f32Abs') },
  sqrt: { vec: simd('f32x4Sqrt'), scalar: (f) => void f.op1('f32Sqrt') },
} as const satisfies Record<string, Lanes>;

/** Names of the wasm binary ops. */
export type WasmBinaryName = keyof typeof WASM_BINARY;
/** Names of the wasm unary ops. */
export type WasmUnaryName = keyof typeof WASM_UNARY;

/** How a binary row reads its operands: v = a vector of n floats, s = one float repeated. */
export type RowMode = 'vv' | 'vs' | 'sv';
export const ROW_MODES: readonly RowMode[] = ['vv', 'vs', 'sv'];

/**
 * An elementwise row over n floats: out[i] = op(in₀[i], …), 4 lanes at a time then a
 * scalar tail. `operands` says, per input, whether it is a vector or one broadcast float.
 * Params: (in₀, …, out, n) as byte addresses and a count.
 */
function rowFn(lanes: Lanes, operands: readonly ('v' | 's')[]): FnBuilder {
  const k = operands.length;
  const f = new FnBuilder(new Array(k + 2).fill(I32));
  const out = k;
  const n = k + 1;
  const [i, nb, vb] = [f.local(I32), f.local(I32), f.local(I32)];
  const splat = operands.map((m, j) => {
    if (m === 'v') return null;
    const s = f.local(F32);
    const sv = f.local(V128);
    f.get(j).f32Load().tee(s).f32x4Splat().set(sv);
    return { s, sv };
  });
  f.get(n).i32(2).shl().set(nb);
  f.get(nb).i32(-16).and().set(vb);
  f.forLoop(i, 0, { local: vb }, 16, () => {
    f.get(out).get(i).add();
    operands.forEach((_, j) => {
      const sp = splat[j];
      if (sp) f.get(sp.sv);
      else f.get(j).get(i).add().v128Load();
    });
    lanes.vec(f);
    f.v128Store();
  });
  f.forLoop(i, { local: vb }, { local: nb }, 4, () => {
    f.get(out).get(i).add();
    operands.forEach((_, j) => {
      const sp = splat[j];
      if (sp) f.get(sp.s);
      else f.get(j).get(i).add().f32Load();
    });
    lanes.scalar(f);
    f.f32Store();
  });
  return f;
}

/** Every elementwise row function, named `add_vv`, `add_vs`, …, `relu`, …. */
export function elementwiseFunctions(): { name: string; fn: FnBuilder }[] {
  const fns: { name: string; fn: FnBuilder }[] = [];
  for (const [name, lanes] of Object.entries(WASM_BINARY))
    for (const mode of ROW_MODES) fns.push({ name: `${name}_${mode}`, fn: rowFn(lanes, [mode[0] as 'v' | 's', mode[1] as 'v' | 's']) });
  for (const [name, lanes] of Object.entries(WASM_UNARY)) fns.push({ name, fn: rowFn(lanes, ['v']) });
  return fns;
}

/** A binary row: (a, b, out, n). */
export type BinaryRow = (a: number, b: number, out: number, n: number) => void;
/** A unary row: (x, out, n). */
export type UnaryRow = (x: number, out: number, n: number) => void;
