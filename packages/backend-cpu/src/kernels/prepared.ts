import type { WasmEngine } from '../wasm/engine.js';

/**
 * Weights prepared ahead for the GEMM (packed whole into the micro-kernel's panels, or
 * Winograd-transformed and packed), kept in the engine's memory next to the weight tensor's
 * storage and reused by every later call with the same weights: a convolution with few output
 * pixels per call (batch-1 inference of deep layers) otherwise spends a large share of
 * each call re-packing (and for Winograd re-transforming) filters it uses for only a few
 * dozen columns.
 *
 * Keyed by the weights' values array: CPU storage is immutable once a kernel or `write`
 * produced it (kernels return fresh storage), so the same array means the same weights.
 * Freeing the storage (`dropPrepared`, from `freeStorage`) gives the blocks back, so a
 * training loop, whose weights are new storage every step, holds them only while each step's
 * weights live. Preparing costs the packing a call does anyway (the parts would pack the
 * same rows), so it is done on first use.
 */

/** Default of the most bytes one engine keeps prepared. */
const DEFAULT_LIMIT_BYTES = 256 * 2 ** 20;

interface Entry {
  readonly engine: WasmEngine;
  readonly kind: string;
  readonly ptr: number;
  readonly floats: number;
}

/** Prepared forms of each weights array (by engine and kind, e.g. 'conv', 'winograd'). */
const byValues = new WeakMap<Float32Array, Entry[]>();
/** Bytes each engine keeps prepared. */
const held = new WeakMap<WasmEngine, number>();
let limitBytes = DEFAULT_LIMIT_BYTES;

/**
 * Sets the most bytes of prepared weights one CPU backend keeps (0 turns preparing off);
 * returns the previous limit. Lowering it does not drop what is already kept.
 */
export function setPreparedLimit(bytes: number): number {
  const was = limitBytes;
  limitBytes = Math.max(0, bytes);
  return was;
}

/**
 * The byte address of the `kind` form of `values` (the weights of a kernel input) in
 * `engine`'s memory: kept from an earlier call, or made now by `build(dst)` into a block of
 * `floats` floats; 0 when the engine's limit or memory leaves no room (the caller then packs
 * per call as before).
 */
export function prepared(engine: WasmEngine, values: Float32Array, kind: string, floats: number, build: (dst: number) => void): number {
  const forms = byValues.get(values) ?? [];
  const have = forms.find((e) => e.engine === engine && e.kind === kind);
  if (have) return have.ptr;
  const now = held.get(engine) ?? 0;
  if (now + floats * 4 > limitBytes) return 0;
  const ptr = engine.keep(floats);
  if (ptr < 0) return 0;
  build(ptr);
  forms.push({ engine, kind, ptr, floats });
  byValues.set(values, forms);
  held.set(engine, now + floats * 4);
  return ptr;
}

/** Gives back every prepared form of `values` (their storage is being freed). */
export function dropPrepared(values: unknown): void {
  if (!(values instanceof Float32Array)) return;
  const forms = byValues.get(values);
  if (!forms) return;
  byValues.delete(values);
  for (const { engine, ptr, floats } of forms) {
    engine.unkeep(ptr, floats);
    held.set(engine, (held.get(engine) ?? 0) - floats * 4);
  }
}

/** Bytes `engine` keeps prepared (tests). */
export function preparedBytes(engine: WasmEngine): number {
  return held.get(engine) ?? 0;
}
