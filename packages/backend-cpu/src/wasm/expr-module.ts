import type { ExprInstr, LoweredExpr } from '@tessera/core';
import { FnBuilder, I32, V128, type SimdOpName } from './encode.js';

/** How a row reads one input: `v` a contiguous run, `s` one value repeated (a broadcast). */
export type RowLayout = 'v' | 's';

/**
 * Elements per block when an expression has JavaScript stages: their intermediate rows
 * (temps) hold this many floats, so a block's stages run in cache.
 */
export const EXPR_BLOCK = 1024;
/** Bytes between two temp rows (a block plus one vector of slack: tails store whole vectors). */
export const TEMP_STRIDE = (EXPR_BLOCK + 4) * 4;

/**
 * Nodes wasm has no instruction for: a float32 expression computes each of them in a
 * JavaScript stage, with core's reference function (`evalExpr` over the block), so the
 * result is bit-identical to the reference, while wasm runs the rest.
 */
const JS_NODES: ReadonlySet<string> = new Set(['exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tanh', 'erf', 'pow', 'mod']);

/** float32 nodes that are one f32x4 instruction (IEEE results: equal to the double result rounded to float32). */
const F32_SIMD: Readonly<Record<string, SimdOpName>> = {
  add: 'f32x4Add', sub: 'f32x4Sub', mul: 'f32x4Mul', div: 'f32x4Div',
  // IEEE 754-2019 minimum/maximum: NaN if either is NaN, −0 < +0, like Math.min/Math.max.
  min: 'f32x4Min', max: 'f32x4Max',
  neg: 'f32x4Neg', abs: 'f32x4Abs', sqrt: 'f32x4Sqrt', floor: 'f32x4Floor', ceil: 'f32x4Ceil',
  // Round half to even, like the reference's roundHalfEven.
  round: 'f32x4Nearest',
  eq: 'f32x4Eq', ne: 'f32x4Ne', lt: 'f32x4Lt', le: 'f32x4Le', gt: 'f32x4Gt', ge: 'f32x4Ge',
};
/** Nodes over bools, which wasm holds as lane masks (all ones = true). */
const BOOL_SIMD: Readonly<Record<string, SimdOpName>> = {
  and: 'v128And', or: 'v128Or', xor: 'v128Xor', not: 'v128Not', eq: 'i32x4Eq', ne: 'v128Xor',
};

const isLeaf = (ins: ExprInstr): boolean => ins.op === 'input' || ins.op === 'const' || ins.op === 'scalar';
const operandsOf = (ins: ExprInstr): number[] =>
  'cond' in ins ? [ins.cond, ins.a, ins.b] : 'a' in ins ? [ins.a, ins.b] : 'x' in ins ? [ins.x] : [];

/** A JavaScript stage: one node computed by core's reference interpreter over a block. */
export interface JsStage {
  readonly kind: 'js';
  /** The node. */
  readonly instr: number;
}
/** A wasm stage: consecutive nodes in one generated function (export `s<index>`). */
interface WasmStage {
  readonly kind: 'wasm';
  readonly instrs: readonly number[];
  /** Export name of its function. */
  readonly name: string;
}

/**
 * How a float32 expression runs in wasm for one input layout: its stages in order, the
 * temp row of every value a later stage reads (`slot`), and the generated functions.
 */
export interface ExprPlan {
  readonly stages: readonly (WasmStage | JsStage)[];
  /** Temp row of a node's values (read by a later stage), by node index. */
  readonly slot: ReadonlyMap<number, number>;
  readonly temps: number;
  /** The functions to assemble, one per wasm stage. */
  readonly fns: readonly { name: string; fn: FnBuilder }[];
}

/** Why wasm cannot run a node (null: it can). */
function unsupported(lowered: LoweredExpr, ins: ExprInstr): string | null {
  const t = ins.dtype;
  if (t !== 'float32' && t !== 'bool') return `${ins.op} on ${t}`;
  if (isLeaf(ins)) return ins.op === 'scalar' && t !== 'float32' ? 'a bool scalar' : null;
  if (ins.op === 'select') return null;
  if (ins.op === 'cast') {
    const from = lowered.instrs[ins.x].dtype;
    return from === 'float32' || from === 'bool' ? null : `a cast from ${from}`;
  }
  const operand = lowered.instrs[operandsOf(ins)[0]].dtype;
  if (operand === 'float32') return JS_NODES.has(ins.op) || ins.op in F32_SIMD || ins.op === 'sign' ? null : `${ins.op} on float32`;
  return ins.op in BOOL_SIMD ? null : `${ins.op} on bool`;
}

/**
 * Plans `lowered` (float32/bool inputs and output) for the input layouts `layouts`, or
 * returns why it cannot run in wasm (another dtype, e.g. an int32 node).
 */
export function planExpr(lowered: LoweredExpr, layouts: readonly RowLayout[]): ExprPlan | string {
  const { instrs } = lowered;
  for (const ins of instrs) {
    const why = unsupported(lowered, ins);
    if (why) return why;
  }
  // Stages: runs of wasm nodes between JavaScript nodes (leaves belong to no stage: every
  // wasm stage loads the ones it reads).
  const stages: (WasmStage | JsStage)[] = [];
  const stageOf = new Map<number, number>();
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    stages.push({ kind: 'wasm', instrs: run, name: `s${stages.length}` });
    run = [];
  };
  instrs.forEach((ins, i) => {
    if (isLeaf(ins) && i !== instrs.length - 1) return;
    if (JS_NODES.has(ins.op)) {
      flush();
      stageOf.set(i, stages.length);
      stages.push({ kind: 'js', instr: i });
    } else {
      stageOf.set(i, stages.length);
      run.push(i);
    }
  });
  flush();
  // A value needs a temp row when a later stage reads it (JS stages read 'v' inputs, constants and scalars directly).
  const slot = new Map<number, number>();
  instrs.forEach((ins, i) => {
    for (const o of operandsOf(ins)) {
      const from = stageOf.get(o);
      if (from !== undefined && from !== stageOf.get(i) && !slot.has(o)) slot.set(o, slot.size);
    }
  });
  const fns = stages.flatMap((s) => (s.kind === 'wasm' ? [{ name: s.name, fn: stageFn(lowered, layouts, s, slot) }] : []));
  return { stages, slot, temps: slot.size, fns };
}

/**
 * One wasm stage over a row of n elements: params (input addresses…, temps, out, n,
 * scalars). Float inputs are float32 rows, bool inputs byte rows (held as lane masks);
 * a `s` input is one value splatted. Nodes of the stage run 4 lanes at a time in
 * float32 (one IEEE operation per node, so each rounds like the reference); values a later
 * stage reads go to their temp row; the last node goes to `out` (float32, or bytes for
 * bool). The tail (n mod 4) computes a whole vector (reading at most 3 values past a row,
 * inside the block's slack) and stores only its valid lanes.
 */
function stageFn(lowered: LoweredExpr, layouts: readonly RowLayout[], stage: WasmStage, slot: ReadonlyMap<number, number>): FnBuilder {
  const { instrs } = lowered;
  const k = layouts.length;
  const f = new FnBuilder(new Array<number>(k + 4).fill(I32) as typeof I32[]);
  const [TMP, OUT, N, SCAL] = [k, k + 1, k + 2, k + 3];
  const j = f.local(I32);
  const vecEnd = f.local(I32);
  const last = instrs.length - 1;
  const mine = new Set(stage.instrs);
  // Leaves that are the same in every lane: loaded once before the loop.
  const hoisted = new Map<number, number>();
  const used = new Set<number>();
  for (const i of stage.instrs) for (const o of operandsOf(instrs[i])) used.add(o);
  if (mine.has(last) && isLeaf(instrs[last])) used.add(last);
  for (const i of [...used].sort((a, b) => a - b)) {
    const ins = instrs[i];
    if (!isLeaf(ins) || (ins.op === 'input' && layouts[ins.index] === 'v')) continue;
    const local = f.local(V128);
    if (ins.op === 'const') {
      if (ins.dtype === 'bool') f.i32x4Const(ins.value !== 0 ? -1 : 0);
      else f.f32(ins.value).f32x4Splat();
    } else if (ins.op === 'scalar') {
      f.get(SCAL).load32Splat(4 * ins.index);
    } else if (ins.dtype === 'bool') {
      f.i32(0).get(ins.op === 'input' ? ins.index : 0).i32Load8U().i32(0).ne().sub().simd1('i32x4Splat');
    } else {
      f.get(ins.op === 'input' ? ins.index : 0).load32Splat();
    }
    f.set(local);
    hoisted.set(i, local);
  }
  const addr = (base: number, shift: number) => {
    f.get(base).get(j);
    if (shift) f.i32(shift).shl();
    f.add();
  };
  /** Pushes tmp + slot·stride + 4j. */
  const tempAddr = (s: number) => {
    f.get(TMP).i32(s * TEMP_STRIDE).add().get(j).i32(2).shl().add();
  };
  const body = (tail: boolean) => {
    const vals = new Map<number, number>(hoisted);
    const push = (i: number) => {
      const known = vals.get(i);
      if (known !== undefined) {
        f.get(known);
        return;
      }
      const ins = instrs[i];
      if (ins.op === 'input') {
        if (ins.dtype === 'bool') {
          addr(ins.index, 0);
          f.load32Zero().simd1('i16x8ExtendLowI8x16U').simd1('i32x4ExtendLowI16x8U').v128Zero().simd1('i32x4Ne');
        } else {
          addr(ins.index, 2);
          f.v128Load();
        }
      } else {
        // Computed by an earlier stage.
        tempAddr(slot.get(i)!);
        f.v128Load();
      }
      const local = f.local(V128);
      f.tee(local);
      vals.set(i, local);
    };
    for (const i of stage.instrs) {
      const ins = instrs[i];
      if (isLeaf(ins)) {
        push(i);
        f.drop();
        continue;
      }
      emitNode(f, lowered, ins, push);
      const local = f.local(V128);
      f.set(local);
      vals.set(i, local);
    }
    for (const i of stage.instrs) {
      const s = slot.get(i);
      if (s === undefined) continue;
      tempAddr(s);
      f.get(vals.get(i)!).v128Store();
    }
    if (!mine.has(last)) return;
    const result = vals.get(last)!;
    if (lowered.dtype === 'bool') {
      // mask → 0/1 per i32 lane → bytes in the low 4 lanes.
      f.get(result).simd1('i32x4Neg').get(result).simd1('i32x4Neg').simd1('i16x8NarrowI32x4U');
      f.tee(result).get(result).simd1('i8x16NarrowI16x8U').set(result);
    }
    const bool = lowered.dtype === 'bool';
    const store = (lane: number) => {
      addr(OUT, bool ? 0 : 2);
      f.get(result);
      if (bool) f.store8Lane(lane, lane);
      else f.store32Lane(lane, 4 * lane);
    };
    if (!tail) {
      addr(OUT, bool ? 0 : 2);
      f.get(result);
      if (bool) f.store32Lane(0);
      else f.v128Store();
      return;
    }
    for (let lane = 0; lane < 3; lane++) {
      f.get(N).i32(3).and().i32(lane).op1('gtS');
      f.ifElse(() => store(lane));
    }
  };
  f.get(N).i32(-4).and().set(vecEnd);
  f.forLoop(j, 0, { local: vecEnd }, 4, () => body(false));
  f.get(vecEnd).get(N).ltS();
  f.ifElse(() => {
    f.get(vecEnd).set(j);
    body(true);
  });
  return f;
}

/** Pushes the f32x4 (or mask) value of one non-leaf node whose operands `push` pushes. */
function emitNode(f: FnBuilder, lowered: LoweredExpr, ins: ExprInstr, push: (i: number) => void): void {
  if (ins.op === 'select') {
    // bitselect(a, b, cond): a where the mask is set.
    push(ins.a);
    push(ins.b);
    push(ins.cond);
    f.simd1('v128Bitselect');
    return;
  }
  if (ins.op === 'cast') {
    const from = lowered.instrs[ins.x].dtype;
    push(ins.x);
    if (from === ins.dtype) return;
    // bool → float32: the mask's bits select 1.0; float32 → bool: nonzero (NaN included) is true.
    if (ins.dtype === 'float32') f.f32(1).f32x4Splat().simd1('v128And');
    else f.v128Zero().simd1('f32x4Ne');
    return;
  }
  const ops = operandsOf(ins);
  const operand = lowered.instrs[ops[0]].dtype;
  if (ins.op === 'sign' && operand === 'float32') {
    // copysign(1, x) where x is neither 0 nor NaN, else x itself (±0, NaN).
    const x = ops[0];
    push(x);
    f.i32x4Const(0x80000000 | 0).simd1('v128And').f32(1).f32x4Splat().simd1('v128Or');
    push(x);
    push(x);
    push(x);
    f.simd1('f32x4Eq');
    push(x);
    f.v128Zero().simd1('f32x4Ne').simd1('v128And');
    f.simd1('v128Bitselect');
    return;
  }
  for (const o of ops) push(o);
  f.simd1(operand === 'bool' ? BOOL_SIMD[ins.op] : F32_SIMD[ins.op]);
}
