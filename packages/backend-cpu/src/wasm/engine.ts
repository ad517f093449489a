import type { GemmShape } from './gemm-module.js';
import { moduleBytes, type WasmExports } from './module.js';

/** A strided float32 matrix in wasm memory: element [r, c] at byte `ptr + 4·(r·rs + c·cs)`. */
export interface WasmMatrix {
  readonly ptr: number;
  readonly rs: number;
  readonly cs: number;
}

/** The register tile: 6 rows × 8 columns = 12 f32x4 accumulators (+2 B, 1 A: 15 of x64's 16 SIMD registers). */
const TILE: Omit<GemmShape, 'fma'> = { mr: 6, nr: 8 };
/** Cache blocks: a KC×NR panel of B (8 KiB) stays in L1, an MC×KC block of A (120 KiB) in L2. */
const KC = 256;
const MC = 120;
const NC = 2048;
const PAGE = 65536;
const MAX_PAGES = 65536;

/**
 * WebAssembly SIMD float32 GEMM over one wasm memory, plus a bump arena in that memory
 * for a kernel's operands. Single-threaded; kernels use it synchronously, so
 * `reset()` at the start of a kernel call frees everything the previous call took.
 */
export class WasmGemm {
  /** Whether the micro-kernel uses relaxed-SIMD fused multiply-add. */
  readonly fma: boolean;
  private readonly memory: WebAssembly.Memory;
  /** The module's exported functions (byte addresses into this engine's memory). */
  readonly fns: WasmExports;
  private readonly tmp: number;
  private readonly ap: number;
  private readonly bp: number;
  private readonly heapStart: number;
  private top: number;
  private view: Float32Array;

  constructor(module: WebAssembly.Module, fma: boolean, memory: WebAssembly.Memory) {
    this.fma = fma;
    this.memory = memory;
    this.fns = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports;
    this.view = new Float32Array(memory.buffer);
    this.top = 0;
    this.tmp = this.alloc(TILE.mr * TILE.nr);
    this.ap = this.alloc(MC * KC);
    this.bp = this.alloc(KC * NC);
    this.heapStart = this.top;
  }

  /** Frees every arena allocation (scratch panels stay). */
  reset(): void {
    this.top = this.heapStart;
  }

  /** Reserves `floats` float32 slots (16-byte aligned, contents unspecified); returns the byte address. */
  alloc(floats: number): number {
    const ptr = this.top;
    this.top += (floats * 4 + 15) & ~15;
    const need = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (need > 0) this.memory.grow(need);
    return ptr;
  }

  /** A Float32Array over the whole memory (re-created after growth). */
  get f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** An Int32Array over the whole memory (made on demand: only pooling's small window tables use it). */
  get i32(): Int32Array {
    return new Int32Array(this.memory.buffer);
  }

  /** Copies `values` into a fresh arena block; returns its byte address. */
  copyIn(values: Float32Array): number {
    const ptr = this.alloc(values.length);
    this.f32.set(values, ptr >> 2);
    return ptr;
  }

  /** Bytes of wasm memory held. */
  bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * C (+)= A·B for A M×K and B K×N (any strides: transposes cost nothing extra), C
   * row-major with row stride `ldc` elements at byte address `c`. Packs B in KC×NC
   * blocks and A in MC×KC blocks, then runs the register-tiled macro-kernel.
   */
  gemm(M: number, N: number, K: number, a: WasmMatrix, b: WasmMatrix, c: number, ldc: number, accumulate: boolean): void {
    if (M === 0 || N === 0) return;
    if (K === 0) {
      if (!accumulate) for (let i = 0; i < M; i++) this.f32.fill(0, (c >> 2) + i * ldc, (c >> 2) + i * ldc + N);
      return;
    }
    const { macro, packA, packB } = this.fns;
    for (let jc = 0; jc < N; jc += NC) {
      const nc = Math.min(NC, N - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        // B's block as an nc×kc matrix (its transpose), packed in panels of NR columns.
        packB(b.ptr + 4 * (pc * b.rs + jc * b.cs), b.cs, b.rs, nc, kc, this.bp);
        const acc = accumulate || pc > 0 ? 1 : 0;
        for (let ic = 0; ic < M; ic += MC) {
          const mc = Math.min(MC, M - ic);
          packA(a.ptr + 4 * (ic * a.rs + pc * a.cs), a.rs, a.cs, mc, kc, this.ap);
          macro(mc, nc, kc, this.ap, this.bp, c + 4 * (ic * ldc + jc), ldc, acc, this.tmp);
        }
      }
    }
  }
}

/** The environment switch: `TESSERA_WASM=0` turns the WebAssembly kernels off. */
export function wasmDisabledByEnv(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.TESSERA_WASM;
  return v === '0' || v === 'false' || v === 'off';
}

let compiled: { module: WebAssembly.Module; fma: boolean } | null | undefined;

/** Compiles the GEMM module once (with FMA where the engine validates relaxed SIMD); null without SIMD. */
function compile(): { module: WebAssembly.Module; fma: boolean } | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly !== 'object') return null;
  const memory = { initial: 1, maximum: MAX_PAGES, shared: false };
  for (const fma of [true, false]) {
    const bytes = moduleBytes({ ...TILE, fma }, memory);
    if (!WebAssembly.validate(bytes)) continue;
    try {
      compiled = { module: new WebAssembly.Module(bytes), fma };
      break;
    } catch {
      // e.g. a browser main thread refusing synchronous compilation: fall back to TypeScript.
    }
  }
  return compiled;
}

/**
 * A new GEMM engine with its own memory, or null where WebAssembly SIMD is missing.
 * The module is compiled once per process.
 */
export function createWasmGemm(): WasmGemm | null {
  const c = compile();
  if (!c) return null;
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
  return new WasmGemm(c.module, c.fma, memory);
}
