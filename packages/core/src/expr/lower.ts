import type { DType } from '../dtype.js';
import { DTypeError, TesseraError } from '../errors.js';
import type { Expr, ExprBinaryOp, ExprUnaryOp } from './ir.js';

/** One instruction of a lowered expression: its operands are earlier instructions. */
export type ExprInstr =
  | { readonly op: 'input'; readonly index: number; readonly dtype: DType }
  | { readonly op: 'const'; readonly value: number; readonly dtype: DType }
  | { readonly op: 'scalar'; readonly index: number; readonly dtype: DType }
  | { readonly op: ExprUnaryOp; readonly x: number; readonly dtype: DType }
  | { readonly op: ExprBinaryOp; readonly a: number; readonly b: number; readonly dtype: DType }
  | { readonly op: 'select'; readonly cond: number; readonly a: number; readonly b: number; readonly dtype: DType }
  | { readonly op: 'cast'; readonly x: number; readonly dtype: DType };

/**
 * A type-checked expression as a straight-line program: `instrs` in dependency order
 * (common subexpressions once), the result is the last instruction. `key` identifies the
 * program structurally (input dtypes, nodes, literals; not scalar values): backends cache
 * compiled kernels by it.
 */
export interface LoweredExpr {
  readonly instrs: readonly ExprInstr[];
  readonly inputs: readonly DType[];
  readonly dtype: DType;
  readonly key: string;
  /** How many scalars the expression reads (1 + the largest scalar index, or 0). */
  readonly scalars: number;
}

/** A malformed expression for the given inputs: names the node and the fix. */
export class ExprError extends TesseraError {
  override name = 'ExprError';
}

const FLOAT_ONLY = new Set<string>(['exp', 'expm1', 'log', 'log1p', 'sqrt', 'sin', 'cos', 'tanh', 'erf', 'pow']);
const COMPARE = new Set<string>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const LOGICAL = new Set<string>(['and', 'or', 'xor', 'not']);

const cache = new WeakMap<Expr, Map<string, LoweredExpr>>();

/**
 * Type-checks `expr` against the inputs' dtypes and lowers it to a straight-line program
 * (memoized per expression object and input dtypes). Literals and scalars take the dtype
 * of the operand they meet (`x + 1` with float32 `x` adds a float32 1); an expression made
 * of literals only has no dtype and is an error (cast it).
 */
export function lowerExpr(expr: Expr, inputs: readonly DType[]): LoweredExpr {
  const sig = inputs.join(',');
  let byInputs = cache.get(expr);
  if (!byInputs) cache.set(expr, (byInputs = new Map()));
  const hit = byInputs.get(sig);
  if (hit) return hit;
  const lowered = new Lowering(inputs).run(expr);
  byInputs.set(sig, lowered);
  return lowered;
}

class Lowering {
  private readonly instrs: ExprInstr[] = [];
  private readonly keys: string[] = [];
  private readonly seen = new Map<string, number>();
  private readonly types = new Map<Expr, DType | null>();
  private scalars = 0;

  constructor(private readonly inputs: readonly DType[]) {}

  run(expr: Expr): LoweredExpr {
    const t = this.typeOf(expr);
    if (t === null)
      throw new ExprError('elementwise: the expression reads no input, so it has no dtype; wrap a literal in ex.cast(value, dtype).');
    this.emit(expr, t);
    const dtype = this.instrs[this.instrs.length - 1].dtype;
    return {
      instrs: this.instrs,
      inputs: this.inputs,
      dtype,
      key: `${this.inputs.join(',')}|${this.keys.join(';')}`,
      scalars: this.scalars,
    };
  }

  /** The dtype an expression has by itself (null: literals and scalars only, typed by context). */
  private typeOf(e: Expr): DType | null {
    const known = this.types.get(e);
    if (known !== undefined) return known;
    let t: DType | null;
    switch (e.op) {
      case 'input':
        if (!Number.isInteger(e.index) || e.index < 0 || e.index >= this.inputs.length) {
          throw new ExprError(`elementwise: input(${e.index}) is out of range: the call has ${this.inputs.length} input(s).`);
        }
        t = this.inputs[e.index];
        break;
      case 'const':
      case 'scalar':
        t = null;
        break;
      case 'cast':
        this.typeOf(e.x);
        t = e.dtype;
        break;
      case 'select': {
        const c = this.typeOf(e.cond);
        if (c !== 'bool')
          throw new ExprError(`elementwise: select's condition must be bool but is ${c ?? 'a literal'}; compare first (ex.gt(x, 0)).`);
        t = this.unify('select', this.typeOf(e.a), this.typeOf(e.b));
        break;
      }
      default:
        if ('x' in e) {
          t = this.typeOf(e.x);
          break;
        }
        t = this.unify(e.op, this.typeOf(e.a), this.typeOf(e.b));
        if (COMPARE.has(e.op)) {
          if (t === null) throw new ExprError(`elementwise: '${e.op}' compares two literals; fold it or cast one side.`);
          t = 'bool';
        }
    }
    this.types.set(e, t);
    return t;
  }

  private unify(op: string, a: DType | null, b: DType | null): DType | null {
    if (a !== null && b !== null && a !== b) {
      throw new DTypeError(`elementwise: '${op}' has operands of dtypes ${a} and ${b}; cast one of them (ex.cast(x, '${a}')).`);
    }
    return a ?? b;
  }

  /** Emits `e` with `ctx` as the dtype of literal-only subtrees; returns its instruction index. */
  private emit(e: Expr, ctx: DType): number {
    const own = this.typeOf(e);
    switch (e.op) {
      case 'input':
        return this.push({ op: 'input', index: e.index, dtype: own ?? ctx }, `i${e.index}`);
      case 'const':
        return this.push({ op: 'const', value: e.value, dtype: ctx }, `c${ctx[0]}${e.value}`);
      case 'scalar':
        this.scalars = Math.max(this.scalars, e.index + 1);
        return this.push({ op: 'scalar', index: e.index, dtype: ctx }, `s${ctx[0]}${e.index}`);
      case 'cast': {
        const x = this.emit(e.x, this.typeOf(e.x) ?? e.dtype);
        return this.push({ op: 'cast', x, dtype: e.dtype }, `cast${e.dtype}(${x})`);
      }
      case 'select': {
        const t = own ?? ctx;
        const cond = this.emit(e.cond, 'bool');
        const a = this.emit(e.a, t);
        const b = this.emit(e.b, t);
        return this.push({ op: 'select', cond, a, b, dtype: t }, `sel(${cond},${a},${b})`);
      }
      default:
        if ('x' in e) {
          const t = own ?? ctx;
          this.check(e.op, t);
          const x = this.emit(e.x, t);
          return this.push({ op: e.op, x, dtype: t }, `${e.op}(${x})`);
        } else {
          const t = this.unify(e.op, this.typeOf(e.a), this.typeOf(e.b)) ?? ctx;
          this.check(e.op, t);
          const a = this.emit(e.a, t);
          const b = this.emit(e.b, t);
          const dtype = COMPARE.has(e.op) ? 'bool' : t;
          return this.push({ op: e.op, a, b, dtype }, `${e.op}(${a},${b})`);
        }
    }
  }

  private check(op: string, t: DType): void {
    if (LOGICAL.has(op)) {
      if (t !== 'bool') throw new DTypeError(`elementwise: '${op}' takes bool operands but got ${t}; compare first or cast('bool').`);
    } else if (FLOAT_ONLY.has(op)) {
      if (t !== 'float32' && t !== 'float64')
        throw new DTypeError(`elementwise: '${op}' needs a float operand but got ${t}; cast first (ex.cast(x, 'float32')).`);
    } else if (t === 'bool' && !COMPARE.has(op) && op !== 'select') {
      throw new DTypeError(`elementwise: '${op}' needs a numeric operand but got bool; cast first (ex.cast(x, 'float32')).`);
    }
  }

  private push(instr: ExprInstr, key: string): number {
    const k = `${key}:${instr.dtype}`;
    const seen = this.seen.get(k);
    if (seen !== undefined) return seen;
    this.instrs.push(instr);
    this.keys.push(k);
    this.seen.set(k, this.instrs.length - 1);
    return this.instrs.length - 1;
  }
}
