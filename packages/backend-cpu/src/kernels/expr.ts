import {
  broadcastStrides,
  evalExpr,
  lowerExpr,
  type DType,
  type ElementwiseAttrs,
  type ExprInstr,
  type ExprOperand,
  type Kernel,
  type KernelContext,
  type LoweredExpr,
  type TensorData,
} from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import { EXPR_BLOCK, TEMP_STRIDE, planExpr, type ExprPlan, type JsStage, type RowLayout } from '../wasm/expr-module.js';
import { ARENA_LIMIT_FLOATS, copyOut } from './f32-args.js';
import { forEachRow } from './iter.js';
import { allocUninit, valuesOf, wrap } from './storage.js';

/** Compiled programs an engine keeps (by structure and layout); past it the cache starts over. */
const CACHE_LIMIT = 512;

type RowFn = (...args: number[]) => void;

/** Where a JavaScript stage reads one operand: an input row, or a temp row of an earlier stage. */
type JsSource = { readonly input: number } | { readonly slot: number };

/** A JavaScript stage ready to run: its node as a small program for core's interpreter. */
interface JsRun {
  readonly program: LoweredExpr;
  readonly sources: readonly JsSource[];
  /** Temp row of its result, or −1: the result is the expression's (written to the output). */
  readonly slot: number;
}

/** An expression compiled for one input layout. */
interface Compiled {
  readonly plan: ExprPlan;
  readonly fns: Readonly<Record<string, RowFn>>;
  readonly js: ReadonlyMap<number, JsRun>;
}

/**
 * The stage of one JavaScript node as a program of its own: leaves it reads (constants,
 * scalars) stay leaves; inputs and earlier values become its inputs.
 */
function jsRun(lowered: LoweredExpr, plan: ExprPlan, stage: JsStage): JsRun {
  const ins = lowered.instrs[stage.instr];
  const refs = 'a' in ins ? [ins.a, ins.b] : 'x' in ins ? [ins.x] : [];
  const instrs: ExprInstr[] = [];
  const sources: JsSource[] = [];
  const dtypes: DType[] = [];
  const local = refs.map((r) => {
    const src = lowered.instrs[r];
    if (src.op === 'const' || src.op === 'scalar') instrs.push(src);
    else {
      sources.push(src.op === 'input' ? { input: src.index } : { slot: plan.slot.get(r)! });
      dtypes.push(src.dtype);
      instrs.push({ op: 'input', index: sources.length - 1, dtype: src.dtype });
    }
    return instrs.length - 1;
  });
  instrs.push(local.length === 2 ? ({ ...ins, a: local[0], b: local[1] } as ExprInstr) : ({ ...ins, x: local[0] } as ExprInstr));
  const program: LoweredExpr = { instrs, inputs: dtypes, dtype: ins.dtype, key: '', scalars: lowered.scalars };
  return { program, sources, slot: plan.slot.get(stage.instr) ?? -1 };
}

/**
 * Outputs of up to SMALL_JS_OUTPUT elements in several rows shorter than SHORT_JS_ROW,
 * whose expression has JavaScript stages, run as one row over inputs expanded to the
 * output's shape (`expanded`).
 */
const SMALL_JS_OUTPUT = 1 << 14;
const SHORT_JS_ROW = 32;

/** The inputs of a wasm call: float32 and bool only (a bool input is read as bytes). */
const WASM_DTYPES: ReadonlySet<DType> = new Set(['float32', 'bool']);

/**
 * The `elementwise` kernel: one expression compiler. On a wasm engine, float32 (and bool)
 * expressions compile once per structure and input layout (`lowered.key` + which inputs
 * are contiguous rows or broadcast values) to WebAssembly SIMD rows, with scalars read at
 * run time (a new learning rate never recompiles); nodes wasm has no instruction for
 * (exp, log, tanh, …) run between wasm stages in core's reference functions, a block at a
 * time. Every other case (float64, int32, no engine) runs core's `evalExpr`. Both give
 * the reference's float32 results bit for bit.
 */
export function elementwiseKernel(engine: WasmEngine | null): Kernel<ElementwiseAttrs> {
  const cache = new Map<string, Compiled | string>();
  // The same lowered object (lowerExpr memoizes per expression object) skips building the string key.
  const byLowered = new WeakMap<LoweredExpr, Map<string, Compiled | string>>();

  const compile = (lowered: LoweredExpr, layouts: readonly RowLayout[]): Compiled | string => {
    const layout = layouts.join('');
    let mine = byLowered.get(lowered);
    const hit = mine?.get(layout);
    if (hit !== undefined) return hit;
    if (!mine) byLowered.set(lowered, (mine = new Map()));
    const key = `${lowered.key}|${layout}`;
    const known = cache.get(key);
    if (known !== undefined) {
      mine.set(layout, known);
      return known;
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    const plan = planExpr(lowered, layouts);
    let compiled: Compiled | string = plan as string;
    if (typeof plan !== 'string') {
      const js = new Map<number, JsRun>();
      plan.stages.forEach((s, i) => s.kind === 'js' && js.set(i, jsRun(lowered, plan, s)));
      compiled = { plan, fns: engine!.instantiate(plan.fns), js };
    }
    cache.set(key, compiled);
    mine.set(layout, compiled);
    return compiled;
  };

  /** Runs in wasm; null when this call cannot (the TypeScript path then runs). */
  const wasm = (ctx: KernelContext<ElementwiseAttrs>, lowered: LoweredExpr): ReturnType<Kernel<ElementwiseAttrs>> | null => {
    const { inputs, attrs, out } = ctx;
    if (!engine || !WASM_DTYPES.has(out.dtype) || !inputs.every((t) => WASM_DTYPES.has(t.dtype)) || out.size === 0) return null;
    let floats = out.size;
    for (const t of inputs) floats += t.size;
    if (floats > ARENA_LIMIT_FLOATS) return null;
    // Inputs as large as the output or single values: one row over the whole output.
    const flat = inputs.every((t) => t.size === out.size || t.size === 1);
    const shape = flat ? [out.size] : out.shape;
    const strides = flat
      ? [[1], ...inputs.map((t) => [t.size === out.size ? 1 : 0])]
      : [broadcastStrides(shape, shape), ...inputs.map((t) => broadcastStrides(t.shape, shape))];
    // The layout of every row: the innermost (merged) axis's stride of each input.
    let inner: readonly number[] = strides.map((st) => st[0]);
    let rowLen = out.size;
    if (!flat) {
      forEachRow(shape, strides, new Array<number>(strides.length).fill(0), (_, len, st) => {
        inner = st.slice();
        rowLen = len;
      });
    }
    if (inner.slice(1).some((s) => s !== 0 && s !== 1)) return null;
    const layouts = inner.slice(1).map((s): RowLayout => (s === 1 ? 'v' : 's'));
    const compiled = compile(lowered, layouts);
    if (typeof compiled === 'string') return null;
    // A small output in short rows with JavaScript stages: its broadcast inputs copied out
    // to the output's shape make one row, so each stage runs once per block instead of once
    // per row (a log-softmax gradient [128, 10] ⊕ [128, 1] made 128 rows, each with a
    // typed-array view and an interpreter call for its exp).
    if (compiled.js.size > 0 && rowLen < SHORT_JS_ROW && out.size > rowLen && out.size <= SMALL_JS_OUTPUT) {
      return wasm({ ...ctx, inputs: inputs.map((t) => (t.size === out.size || t.size === 1 ? t : expanded(t, out.shape))) }, lowered);
    }
    engine.reset();
    const ptrs = inputs.map((t) => copyInput(engine, t));
    const width = inputs.map((t) => (t.dtype === 'bool' ? 1 : 4));
    const scal = engine.alloc(Math.max(1, lowered.scalars));
    if (lowered.scalars > 0) engine.f32.set(attrs.scalars.slice(0, lowered.scalars), scal >>> 2);
    const { plan, fns, js } = compiled;
    const tmp = plan.temps > 0 ? engine.alloc((plan.temps * TEMP_STRIDE) / 4) : 0;
    const bool = out.dtype === 'bool';
    const o = bool ? engine.alloc(Math.ceil(out.size / 4)) : engine.allocOut(out.size);
    const ow = bool ? 1 : 4;
    const k = inputs.length;
    const args = new Array<number>(k + 4);
    const stages = plan.stages;
    const single = stages.length === 1 ? fns[(stages[0] as { name: string }).name] : null;
    forEachRow(shape, strides, new Array<number>(strides.length).fill(0), (offs, len) => {
      for (let b0 = 0; b0 < len; b0 += single ? len : EXPR_BLOCK) {
        const n = single ? len : Math.min(EXPR_BLOCK, len - b0);
        for (let i = 0; i < k; i++) args[i] = ptrs[i] + width[i] * (offs[i + 1] + (layouts[i] === 'v' ? b0 : 0));
        args[k] = tmp;
        args[k + 1] = o + ow * (offs[0] + b0);
        args[k + 2] = n;
        args[k + 3] = scal;
        if (single) {
          single(...args);
          continue;
        }
        for (let s = 0; s < stages.length; s++) {
          const st = stages[s];
          if (st.kind === 'wasm') fns[st.name](...args);
          else runJs(engine, js.get(s)!, args, layouts, n, attrs.scalars);
        }
      }
    });
    if (!bool) return wrap(copyOut(engine, o, out.size));
    const ys = allocUninit('bool', out.size);
    ys.set(engine.bytesAt(o, out.size));
    return wrap(ys);
  };

  return (ctx) => {
    const { inputs, attrs, out } = ctx;
    const lowered = lowerExpr(attrs.expr, inputs.map((t) => t.dtype));
    const done = wasm(ctx, lowered);
    if (done) return done;
    const ys = allocUninit(out.dtype, out.size);
    evalExpr(lowered, inputs.map((t) => ({ values: valuesOf(t), shape: t.shape })), out.shape, attrs.scalars, ys);
    return wrap(ys);
  };
}

/** A float32 or bool input broadcast to `shape` as a contiguous copy. */
function expanded(t: TensorData, shape: readonly number[]): TensorData {
  const src = valuesOf(t);
  const size = shape.reduce((a, b) => a * b, 1);
  const dst = t.dtype === 'bool' ? new Uint8Array(size) : new Float32Array(size);
  const strides = [broadcastStrides(shape, shape), broadcastStrides(t.shape, shape)];
  forEachRow(shape, strides, [0, 0], (offs, len, inner) => {
    for (let k = 0, o = offs[0], i = offs[1]; k < len; k++, o++, i += inner[1]) dst[o] = src[i];
  });
  return { dataId: wrap(dst), shape, dtype: t.dtype, size };
}

/** An input's address in the engine's memory (float32 in place where it lives there; bool as bytes). */
function copyInput(engine: WasmEngine, t: TensorData): number {
  const v = valuesOf(t);
  return v instanceof Float32Array ? engine.copyIn(v) : engine.copyBytesIn(v as Uint8Array);
}

/** One JavaScript stage over a block of n elements: reads its operands' rows, writes its temp row or the output. */
function runJs(
  engine: WasmEngine,
  run: JsRun,
  args: readonly number[],
  layouts: readonly RowLayout[],
  n: number,
  scalars: readonly number[],
): void {
  const buf = engine.f32.buffer;
  const k = layouts.length;
  const operands: ExprOperand[] = run.sources.map((s) => {
    if ('slot' in s) return { values: new Float32Array(buf, args[k] + s.slot * TEMP_STRIDE, n), shape: [n] };
    const m = layouts[s.input] === 'v' ? n : 1;
    return { values: new Float32Array(buf, args[s.input], m), shape: [m] };
  });
  const dst = run.slot < 0 ? new Float32Array(buf, args[k + 1], n) : new Float32Array(buf, args[k] + run.slot * TEMP_STRIDE, n);
  evalExpr(run.program, operands, [n], scalars, dst);
}
