/**
 * A minimal WebAssembly binary writer: just enough of the format (one imported memory,
 * functions, exports, structured control flow, i32/f32/SIMD instructions) to build the
 * CPU backend's kernels from TypeScript descriptions at load time. No toolchain and no
 * binary in the repository: the bytes are a pure function of the description.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
/** A value type byte. */
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

function uleb(out: number[], n: number): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(out: number[], n: number): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/** SIMD opcodes (after the 0xfd prefix) used by the kernels. */
const SIMD = {
  load: 0x00,
  load32Splat: 0x09,
  store8Lane: 0x58,
  store32Lane: 0x5a,
  load32Zero: 0x5c,
  store: 0x0b,
  const: 0x0c,
  i32x4Splat: 0x11,
  f32x4Splat: 0x13,
  i32x4Eq: 0x37,
  i32x4Ne: 0x38,
  f32x4Eq: 0x41,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  f32x4Le: 0x45,
  f32x4Ge: 0x46,
  v128Not: 0x4d,
  v128And: 0x4e,
  v128Or: 0x50,
  v128Xor: 0x51,
  /** bitselect(a, b, m) = (a & m) | (b & ~m). */
  v128Bitselect: 0x52,
  /** Pushes an i32: 1 if any bit of the vector is set. */
  v128AnyTrue: 0x53,
  i8x16NarrowI16x8U: 0x66,
  f32x4Ceil: 0x67,
  f32x4Floor: 0x68,
  f32x4Nearest: 0x6a,
  i16x8NarrowI32x4U: 0x86,
  i16x8ExtendLowI8x16U: 0x89,
  i32x4ExtendLowI16x8U: 0xa9,
  i32x4Neg: 0xa1,
  i32x4Shl: 0xab,
  i32x4ShrS: 0xac,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  i32x4TruncSatF32x4S: 0xf8,
  i32x4MaxS: 0xb8,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f32x4Pmax: 0xeb,
  f32x4RelaxedMadd: 0x105,
  f64x2Splat: 0x14,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
} as const;

/** Scalar opcodes without immediates, by the name FnBuilder.op1 takes. */
export const PLAIN = {
  eqz: 0x45,
  ltU: 0x49,
  gtS: 0x4a,
  leS: 0x4c,
  shrS: 0x75,
  or: 0x72,
  divS: 0x6d,
  remU: 0x70,
  f32Eq: 0x5b,
  f32Ne: 0x5c,
  f32Lt: 0x5d,
  f32Gt: 0x5e,
  f32Le: 0x5f,
  f32Abs: 0x8b,
  f32Neg: 0x8c,
  f32Sqrt: 0x91,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32Min: 0x96,
  f32Max: 0x97,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f32DemoteF64: 0xb6,
  f64PromoteF32: 0xbb,
} as const;

/** SIMD opcodes without immediates, by the name FnBuilder.simd1 takes. */
type SimdName = keyof typeof SIMD;
/** SIMD opcodes that take a memory argument or an immediate (not for `simd1`). */
type MemorySimd = 'load' | 'load32Splat' | 'store' | 'const' | 'store8Lane' | 'store32Lane' | 'load32Zero';
/** SIMD instructions without immediates (what `simd1` takes). */
export type SimdOpName = Exclude<SimdName, MemorySimd>;

/**
 * The body of one function: typed helpers that append instructions. Locals are
 * numbered after the parameters in the order `local()` hands them out.
 */
export class FnBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[] = [],
  ) {}

  /** A new local of type `t`; returns its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    return this;
  }

  private memarg(align: number, offset: number): this {
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }

  /** Any scalar instruction of the PLAIN table (no immediates). */
  op1(name: keyof typeof PLAIN): this {
    return this.op(PLAIN[name]);
  }

  /** Any SIMD instruction of the SIMD table that takes no immediates. */
  simd1(name: SimdOpName): this {
    return this.simd(SIMD[name]);
  }

  get(i: number): this {
    this.op(0x20);
    uleb(this.code, i);
    return this;
  }
  set(i: number): this {
    this.op(0x21);
    uleb(this.code, i);
    return this;
  }
  tee(i: number): this {
    this.op(0x22);
    uleb(this.code, i);
    return this;
  }
  i32(n: number): this {
    this.op(0x41);
    sleb(this.code, n | 0);
    return this;
  }
  f32(x: number): this {
    this.op(0x43);
    const b = new Uint8Array(new Float32Array([x]).buffer);
    return this.op(...b);
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  shl(): this {
    return this.op(0x74);
  }
  and(): this {
    return this.op(0x71);
  }
  eq(): this {
    return this.op(0x46);
  }
  eqz(): this {
    return this.op(0x45);
  }
  ne(): this {
    return this.op(0x47);
  }
  ltS(): this {
    return this.op(0x48);
  }
  geS(): this {
    return this.op(0x4e);
  }
  selectOp(): this {
    return this.op(0x1b);
  }
  f32Add(): this {
    return this.op(0x92);
  }
  i32Load(offset = 0): this {
    return this.op(0x28).memarg(2, offset);
  }
  f32Load(offset = 0): this {
    return this.op(0x2a).memarg(2, offset);
  }
  f32Store(offset = 0): this {
    return this.op(0x38).memarg(2, offset);
  }
  f64Load(offset = 0): this {
    return this.op(0x2b).memarg(3, offset);
  }
  f64Store(offset = 0): this {
    return this.op(0x39).memarg(3, offset);
  }
  f64(x: number): this {
    this.op(0x44);
    return this.op(...new Uint8Array(new Float64Array([x]).buffer));
  }
  /** f64x2.extract_lane `lane`. */
  f64x2ExtractLane(lane: number): this {
    return this.simd(0x21).op(lane);
  }
  v128Load(offset = 0): this {
    return this.simd(SIMD.load).memarg(4, offset);
  }
  v128Store(offset = 0): this {
    return this.simd(SIMD.store).memarg(4, offset);
  }
  /** v128.load32_zero: 4 bytes at any alignment into lane 0, the rest zero. */
  load32Zero(offset = 0): this {
    return this.simd(SIMD.load32Zero).memarg(0, offset);
  }
  /** v128.store32_lane: stores 32-bit lane `lane` (byte-aligned). */
  store32Lane(lane: number, offset = 0): this {
    return this.simd(SIMD.store32Lane).memarg(0, offset).op(lane);
  }
  /** v128.store8_lane: stores byte lane `lane`. */
  store8Lane(lane: number, offset = 0): this {
    return this.simd(SIMD.store8Lane).memarg(0, offset).op(lane);
  }
  /** i32.load8_u. */
  i32Load8U(offset = 0): this {
    return this.op(0x2d).memarg(0, offset);
  }
  drop(): this {
    return this.op(0x1a);
  }
  /** v128.const with every 32-bit lane set to the bits `bits`. */
  i32x4Const(bits: number): this {
    this.simd(SIMD.const);
    const b = new Uint8Array(new Int32Array([bits, bits, bits, bits]).buffer);
    return this.op(...b);
  }
  load32Splat(offset = 0): this {
    return this.simd(SIMD.load32Splat).memarg(2, offset);
  }
  /** i8x16.shuffle of two f32x4 operands by float lane (0–3 pick from the first, 4–7 from the second). */
  shuffle32(lanes: readonly [number, number, number, number]): this {
    this.simd(0x0d);
    return this.op(...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
  }
  v128Zero(): this {
    this.simd(SIMD.const);
    return this.op(...new Array<number>(16).fill(0));
  }
  f32x4Splat(): this {
    return this.simd(SIMD.f32x4Splat);
  }
  f32x4Add(): this {
    return this.simd(SIMD.f32x4Add);
  }
  f32x4Mul(): this {
    return this.simd(SIMD.f32x4Mul);
  }
  /** relaxed_madd(a, b, c) = a·b + c (fused where the hardware has FMA). */
  f32x4RelaxedMadd(): this {
    return this.simd(SIMD.f32x4RelaxedMadd);
  }
  call(fn: number): this {
    this.op(0x10);
    uleb(this.code, fn);
    return this;
  }

  /** `block … end`; `br 0` inside jumps past the end. */
  block(body: () => void): this {
    this.op(0x02, 0x40);
    body();
    return this.op(0x0b);
  }
  /** `loop … end`; `br 0` inside jumps back to the start. */
  loop(body: () => void): this {
    this.op(0x03, 0x40);
    body();
    return this.op(0x0b);
  }
  /** Pops a condition: `if … else … end` (`result` types the value both arms leave). */
  ifElse(then: () => void, otherwise?: () => void, result?: ValType): this {
    this.op(0x04, result ?? 0x40);
    then();
    if (otherwise) {
      this.op(0x05);
      otherwise();
    }
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.op(0x0c);
    uleb(this.code, depth);
    return this;
  }
  brIf(depth: number): this {
    this.op(0x0d);
    uleb(this.code, depth);
    return this;
  }

  /**
   * `for (i = from; i < to; i += step) body()` with i32 locals; `to` and `step` are
   * locals or constants (a number is a constant, `{ local }` a local).
   */
  forLoop(i: number, from: Operand, to: Operand, step: Operand, body: () => void): this {
    this.operand(from).set(i);
    return this.block(() => {
      this.get(i).operand(to).geS().brIf(0);
      this.loop(() => {
        body();
        this.get(i).operand(step).add().tee(i).operand(to).ltS().brIf(0);
      });
    });
  }

  /** `while (cond()) body()`: `cond` pushes an i32. */
  whileLoop(cond: () => void, body: () => void): this {
    return this.block(() => {
      this.loop(() => {
        cond();
        this.op1('eqz').brIf(1);
        body();
        this.br(0);
      });
    });
  }

  /** Pushes an operand. */
  operand(o: Operand): this {
    return typeof o === 'number' ? this.i32(o) : this.get(o.local);
  }

  /** The function's code entry (locals + body + end). */
  encode(): number[] {
    const body: number[] = [];
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(body, groups.length);
    for (const [n, t] of groups) {
      uleb(body, n);
      body.push(t);
    }
    body.push(...this.code, 0x0b);
    const out: number[] = [];
    uleb(out, body.length);
    out.push(...body);
    return out;
  }
}

/** An i32 constant or a local. */
export type Operand = number | { readonly local: number };

/** Memory import settings. */
export interface MemoryImport {
  /** Initial pages (64 KiB each). */
  readonly initial: number;
  /** Maximum pages (required for shared memory). */
  readonly maximum: number;
  /** A shared memory (for worker threads). */
  readonly shared: boolean;
}

/**
 * Assembles a module that imports `env.memory` and exports the given functions
 * (in order: function index i is `fns[i]`).
 */
export function assemble(memory: MemoryImport, fns: readonly { name: string; fn: FnBuilder }[]): Uint8Array<ArrayBuffer> {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, content: number[]) => {
    out.push(id);
    uleb(out, content.length);
    out.push(...content);
  };
  // Types: one per function (duplicates are allowed and keep indices trivial).
  const types: number[] = [];
  uleb(types, fns.length);
  for (const { fn } of fns) {
    types.push(0x60);
    uleb(types, fn.params.length);
    types.push(...fn.params);
    uleb(types, fn.results.length);
    types.push(...fn.results);
  }
  section(1, types);
  const imports: number[] = [];
  uleb(imports, 1);
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, memory.shared ? 0x03 : 0x01);
  uleb(imports, memory.initial);
  uleb(imports, memory.maximum);
  section(2, imports);
  const funcs: number[] = [];
  uleb(funcs, fns.length);
  fns.forEach((_, i) => uleb(funcs, i));
  section(3, funcs);
  const exports: number[] = [];
  uleb(exports, fns.length);
  fns.forEach(({ name: n }, i) => {
    name(exports, n);
    exports.push(0x00);
    uleb(exports, i);
  });
  section(7, exports);
  const code: number[] = [];
  uleb(code, fns.length);
  for (const { fn } of fns) code.push(...fn.encode());
  section(10, code);
  return new Uint8Array(out);
}
