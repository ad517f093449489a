import { F32, FnBuilder, I32, V128 } from './encode.js';

/** A row's operation: its f32x4 instruction(s) and its scalar f32 instruction(s). */
interface Lanes {
  readonly vec: (f: FnBuilder) => void;
  readonly scalar: (f: FnBuilder) => void;
}

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

/**
 * The module's one fixed elementwise row, `add_vv` (conv2dBackpropFilter sums its partials
 * with it); every other elementwise computation is an expression compiled by
 * `expr-module.ts` into a module of its own.
 */
export function elementwiseFunctions(): { name: string; fn: FnBuilder }[] {
  const add: Lanes = { vec: (f) => void f.f32x4Add(), scalar: (f) => void f.f32Add() };
  return [{ name: 'add_vv', fn: rowFn(add, ['v', 'v']) }];
}

/** A row of two vectors: (a, b, out, n). */
export type BinaryRow = (a: number, b: number, out: number, n: number) => void;
