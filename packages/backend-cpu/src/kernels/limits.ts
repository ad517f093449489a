import { withMemory, type CpuMemory } from './storage.js';
import { BackendError, fmtShape, type AnyKernel, type KernelContext, type OutputSpec, type TensorData } from '@tessera/core';

/** Most elements a CPU kernel reads or writes in one buffer: its loops index with 32-bit integers. */
const MAX_KERNEL_ELEMENTS = 2 ** 31 - 1;

/**
 * Bytes a float32 operand or output of the WebAssembly GEMM kernels (matmul, conv and its
 * backprops) must stay below: they address wasm32 memory, and a 2 GiB matmul output ended in
 * "memory access out of bounds" (2 GiB − 64 KiB still ran).
 */
const WASM_MAX_BUFFER_BYTES = 2 ** 31;

/** The ops whose float32 buffers the wasm kernel table keeps in wasm memory whatever their size. */
export const WASM_GEMM_OPS: ReadonlySet<string> = new Set(['matmul', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter']);

const describe = (name: string, out: OutputSpec): string =>
  `cpu: ${name} with output ${fmtShape(out.shape)} (${out.dtype}, ${out.size} elements)`;

function tooBig(name: string, out: OutputSpec, what: string): BackendError {
  return new BackendError(`${describe(name, out)}: ${what}; split the work into smaller pieces (e.g. a smaller batch).`);
}

/** Throws a BackendError naming the op and the shapes when a buffer of this call cannot fit, before anything is allocated. */
function checkSizes(name: string, out: OutputSpec, inputs: readonly TensorData[], wasm: boolean): void {
  if (out.size > MAX_KERNEL_ELEMENTS) throw tooBig(name, out, `more than the ${MAX_KERNEL_ELEMENTS} elements a CPU kernel can index`);
  if (!wasm || out.dtype !== 'float32') return;
  const big = [out, ...inputs].find((t) => t.size * 4 >= WASM_MAX_BUFFER_BYTES);
  if (big) {
    const which = big === out ? 'the output' : `input ${fmtShape(big.shape)}`;
    throw tooBig(
      name,
      out,
      `${which} needs ${big.size * 4} bytes of WebAssembly memory, at most ${WASM_MAX_BUFFER_BYTES - 1} fit one buffer`,
    );
  }
}

/** `kernel` with its sizes checked first, and an allocation failure turned into a BackendError naming the op. */
function guard(name: string, kernel: AnyKernel, memory: CpuMemory, wasm: boolean): AnyKernel {
  const guarded = (ctx: KernelContext<never>) => {
    checkSizes(name, ctx.out, ctx.inputs, wasm);
    try {
      return withMemory(memory, () => kernel(ctx));
    } catch (e) {
      // Typed arrays or wasm memory that the host refuses (out of memory, wasm32's 4 GiB).
      if (e instanceof RangeError) throw tooBig(name, ctx.out, `could not be allocated (${e.message})`);
      throw e;
    }
  };
  return guarded as AnyKernel;
}

/**
 * Every kernel of `table` guarded by `guard` and run over `memory` (its backend
 * instance's pools and scratch); `wasmOps` names the ones that keep float32 buffers in wasm memory.
 */
export function guardKernels<T extends Readonly<Record<string, AnyKernel>>>(
  table: T,
  memory: CpuMemory,
  wasmOps: ReadonlySet<string> = new Set(),
): T {
  const out: Record<string, AnyKernel> = {};
  for (const [name, kernel] of Object.entries(table)) out[name] = guard(name, kernel, memory, wasmOps.has(name));
  return out as T;
}
