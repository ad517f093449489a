import type { TensorData } from '@tessera/core';
import type { WasmGemm } from '../wasm/engine.js';
import { valuesOf } from './storage.js';

/** The float32 arrays of a kernel's inputs when they and the output are float32, else null (the TypeScript kernel runs). */
export function f32Inputs(inputs: readonly TensorData[], outDtype: string): Float32Array[] | null {
  if (outDtype !== 'float32') return null;
  const vs = inputs.map(valuesOf);
  return vs.every((v) => v instanceof Float32Array) ? (vs as Float32Array[]) : null;
}

/** A zeroed float32 block of `n` floats in the engine's arena; returns its byte address. */
export function zeros(engine: WasmGemm, n: number): number {
  const ptr = engine.alloc(n);
  engine.f32.fill(0, ptr >> 2, (ptr >> 2) + n);
  return ptr;
}

/** Copies `n` floats at byte address `ptr` out of wasm memory (the kernel's one copy out). */
export function copyOut(engine: WasmGemm, ptr: number, n: number): Float32Array {
  return engine.f32.slice(ptr >> 2, (ptr >> 2) + n);
}
