/**
 * Live device bytes on one backend, counted at every allocation: each kernel's output
 * (`out.size` × bytes per element), each upload (`write`) and each `free`, keyed by the
 * storage the backend hands out. Eager tensors and a compiled replay's intermediates
 * (which are backend storages without core `Tensor`s, so `memory()` does not see them)
 * are counted the same way, and the peak is exact: live bytes only grow at an allocation.
 * Kernels are wrapped on the backend object itself; `restore()` puts the originals back.
 * A device recording (WebGPU) re-issues work without running kernels, so measure on a
 * backend that replays kernel by kernel (the CPU backend).
 */
import { BYTES_PER_ELEMENT, type AnyKernel, type BackendImpl, type DataId, type DType, type KernelContext } from '@tessera/core';

export interface DeviceMeter {
  /** Bytes allocated since the meter started and not yet freed. */
  readonly live: number;
  /** Highest `live` since the start or the last `resetPeak()`. */
  readonly peak: number;
  /** Starts a new peak from the current live bytes. */
  resetPeak(): void;
  /** Puts the backend's own kernels, write, alloc and free back. */
  restore(): void;
}

type Mutable = { -readonly [K in keyof BackendImpl]: BackendImpl[K] };

export function meterBackend(impl: BackendImpl): DeviceMeter {
  const b = impl as Mutable;
  const sizes = new Map<DataId, number>();
  let live = 0;
  let peak = 0;
  const add = (id: DataId, bytes: number): DataId => {
    if (!sizes.has(id)) {
      sizes.set(id, bytes);
      live += bytes;
      if (live > peak) peak = live;
    }
    return id;
  };
  const own: Partial<Mutable> & Pick<Mutable, 'kernels' | 'write' | 'free'> = { kernels: b.kernels, write: b.write, free: b.free };
  if (b.alloc) own.alloc = b.alloc;
  const wrap = (k: AnyKernel): AnyKernel => {
    const run = k as (ctx: KernelContext<unknown>) => DataId;
    return ((ctx: KernelContext<unknown>) => add(run(ctx), ctx.out.size * BYTES_PER_ELEMENT[ctx.out.dtype])) as AnyKernel;
  };
  b.kernels = Object.fromEntries(Object.entries(own.kernels).map(([op, k]) => [op, wrap(k)]));
  b.write = (values, dtype: DType, shape) => add(own.write(values, dtype, shape), values.length * BYTES_PER_ELEMENT[dtype]);
  const alloc = own.alloc;
  if (alloc) b.alloc = (dtype, size) => add(alloc(dtype, size), size * BYTES_PER_ELEMENT[dtype]);
  b.free = (id) => {
    const bytes = sizes.get(id);
    if (bytes !== undefined) {
      sizes.delete(id);
      live -= bytes;
    }
    own.free(id);
  };
  return {
    get live() {
      return live;
    },
    get peak() {
      return peak;
    },
    resetPeak() {
      peak = live;
    },
    restore() {
      Object.assign(b, own);
    },
  };
}
