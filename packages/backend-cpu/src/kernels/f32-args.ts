import type { TensorData } from '@tessera/core';
import type { WasmEngine } from '../wasm/engine.js';
import { allocUninit, valuesOf } from './storage.js';

/**
 * Most floats an elementwise or pooling kernel copies into wasm memory (64 MiB): wasm
 * memory never shrinks, so a huge op (e.g. scaling VGG's 100M-weight layer at init)
 * runs in TypeScript instead of leaving the arena that big for good.
 */
export const ARENA_LIMIT_FLOATS = 1 << 24;

/**
 * The float32 arrays of a kernel's inputs when they and the output are float32 and the
 * inputs plus `outSize` output floats fit `ARENA_LIMIT_FLOATS`; else null (the TypeScript
 * kernel runs).
 */
export function f32Inputs(inputs: readonly TensorData[], outDtype: string, outSize = 0): Float32Array[] | null {
  if (outDtype !== 'float32') return null;
  let floats = outSize;
  for (const t of inputs) floats += t.size;
  if (outSize > 0 && floats > ARENA_LIMIT_FLOATS) return null;
  const vs = inputs.map(valuesOf);
  return vs.every((v) => v instanceof Float32Array) ? (vs as Float32Array[]) : null;
}

/** A zeroed float32 block of `n` floats: kernel scratch, or with `output` an `allocOut` block; returns its byte address. */
export function zeros(engine: WasmEngine, n: number, output = false): number {
  const ptr = output ? engine.allocOut(n) : engine.alloc(n);
  engine.f32.fill(0, ptr >>> 2, (ptr >>> 2) + n);
  return ptr;
}

/**
 * The kernel's result: `n` floats at byte address `ptr`. An `allocOut` block on an engine
 * with shared memory stays there as the storage (no copy); anything else is copied out
 * into a (pooled) JavaScript array.
 */
export function copyOut(engine: WasmEngine, ptr: number, n: number): Float32Array {
  return engine.takeOut(ptr, n, (at, size) => {
    const out = allocUninit('float32', size) as Float32Array;
    out.set(engine.f32.subarray(at >>> 2, (at >>> 2) + size));
    return out;
  });
}
