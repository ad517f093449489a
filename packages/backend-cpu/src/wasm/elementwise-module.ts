import { F32, FnBuilder, I32, V128 } from './encode.js';

/** One fused row: its f32x4 instruction(s) and its scalar f32 instruction(s). */
interface Lanes {
  readonly vec: (f: FnBuilder) => void;
  readonly scalar: (f: FnBuilder) => void;
}

/** An expression over a row's operands (by index): what a fused row computes per element. */
export type RowExpr = number | readonly ['add' | 'sub' | 'mul' | 'div', RowExpr, RowExpr] | readonly ['sqrt', RowExpr];

const VEC_OPS = { add: 'f32x4Add', sub: 'f32x4Sub', mul: 'f32x4Mul', div: 'f32x4Div', sqrt: 'f32x4Sqrt' } as const;
const SCALAR_OPS = { sub: 'f32Sub', mul: 'f32Mul', div: 'f32Div', sqrt: 'f32Sqrt' } as const;

/**
 * The lanes of a fused row from its expression over `k` operands: the operands are popped
 * into locals, then the expression runs in float32, one IEEE operation per node (so it
 * rounds exactly where the same chain of single ops would).
 */
function exprLanes(expr: RowExpr, k: number): Lanes {
  const emit = (vec: boolean) => (f: FnBuilder) => {
    const locals = Array.from({ length: k }, () => f.local(vec ? V128 : F32));
    for (let j = k - 1; j >= 0; j--) f.set(locals[j]);
    const walk = (e: RowExpr): void => {
      if (typeof e === 'number') {
        f.get(locals[e]);
        return;
      }
      const [op, ...args] = e as readonly [keyof typeof VEC_OPS, ...RowExpr[]];
      args.forEach(walk);
      if (vec) f.simd1(VEC_OPS[op]);
      else if (op === 'add') f.f32Add();
      else f.op1(SCALAR_OPS[op]);
    };
    walk(expr);
  };
  return { vec: emit(true), scalar: emit(false) };
}

/**
 * Fused float32 rows for the optimizer update ops of @tessera/optim (by op name), each
 * written in the order of the op's composite (`decompose`), so the result is bit-identical
 * to running its single ops: operands are the tensors (vectors) then the attributes
 * (broadcast floats), in the order listed.
 */
export const WASM_FUSED_ROWS = {
  // s·decay + x·scale
  'optim.ema': { tensors: 2, attrs: ['decay', 'scale'], expr: ['add', ['mul', 0, 2], ['mul', 1, 3]] },
  // v·decay + (x·x)·scale
  'optim.emaSquare': { tensors: 2, attrs: ['decay', 'scale'], expr: ['add', ['mul', 0, 2], ['mul', ['mul', 1, 1], 3]] },
  // p − d·lr
  'optim.sgdStep': { tensors: 2, attrs: ['lr'], expr: ['sub', 0, ['mul', 1, 2]] },
  // p − ((m / bc1) / (√(v / bc2) + eps))·lr
  'optim.adamStep': {
    tensors: 3,
    attrs: ['lr', 'eps', 'bc1', 'bc2'],
    expr: ['sub', 0, ['mul', ['div', ['div', 1, 5], ['add', ['sqrt', ['div', 2, 6]], 4]], 3]],
  },
} as const satisfies Record<string, { tensors: number; attrs: readonly string[]; expr: RowExpr }>;

/** Names of the fused rows. */
export type WasmFusedRowName = keyof typeof WASM_FUSED_ROWS;

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

/** The fused optimizer rows, by op name. */
export function elementwiseFunctions(): { name: string; fn: FnBuilder }[] {
  // Sums two rows (conv2dBackpropFilter adds its partials).
  const fns: { name: string; fn: FnBuilder }[] = [{ name: 'add_vv', fn: rowFn(exprLanes(['add', 0, 1], 2), ['v', 'v']) }];
  for (const [name, { tensors, attrs, expr }] of Object.entries(WASM_FUSED_ROWS)) {
    const operands = [...new Array<'v'>(tensors).fill('v'), ...new Array<'s'>(attrs.length).fill('s')];
    fns.push({ name, fn: rowFn(exprLanes(expr, operands.length), operands) });
  }
  return fns;
}

/** A row of two vectors: (a, b, out, n). */
export type BinaryRow = (a: number, b: number, out: number, n: number) => void;
/** A fused row: (tensor addresses…, attribute addresses…, out, n). */
export type FusedRow = (...args: number[]) => void;
