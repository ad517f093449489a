import type { DType } from '@tessera/core';
import { TENSOR_USAGE, type ContextHook, type GpuContext } from './context.js';
import { layoutTag, type ShaderSpec } from './pipelines.js';
import { BufferPool } from './buffer-pool.js';
import { GpuStorage } from './storage.js';

/** One dispatch as a recording re-issues it. */
export interface RecordedDispatch {
  readonly key: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** The layout's `layoutTag` (keys its bind group). */
  readonly tag: number;
  readonly out: GpuStorage;
  readonly inputs: readonly GpuStorage[];
  readonly params: readonly number[];
  readonly groups: readonly [number, number, number];
}

/** What one kernel call of the step did: its allocations in order, its dispatches. */
export interface RecordedCall {
  readonly allocs: GpuStorage[];
  /** Index of its first dispatch in the recording. */
  readonly first: number;
  count: number;
}

/**
 * The context hook of record mode: kernels' buffers come from a pool private to the
 * recording (a released one is reused by later kernels of the same step, since the
 * recorded dispatches run in order in one compute pass), and dispatches are noted instead
 * of encoded. Anything else a kernel does marks the step unrecordable.
 */
export class Recorder implements ContextHook {
  /** The recording's buffers: every one it hands out stays the recording's. */
  readonly pool: BufferPool;
  /** Storages handed out and not released (the step's results and state values, at the end). */
  readonly live = new Set<GpuStorage>();
  readonly dispatches: RecordedDispatch[] = [];
  readonly calls: RecordedCall[] = [];
  /** Why the step cannot be recorded, if it cannot. */
  problem: string | null = null;
  private current: RecordedCall | null = null;

  constructor(private readonly gpu: GpuContext) {
    this.pool = new BufferPool(gpu.device, TENSOR_USAGE, 'tessera recording', Number.POSITIVE_INFINITY);
  }

  /** Kernel call `k` of the step starts. */
  beginCall(k: number): void {
    this.current = { allocs: [], first: this.dispatches.length, count: 0 };
    this.calls[k] = this.current;
  }

  alloc(bytes: number, size: number, dtype: DType): GpuStorage {
    const s = new GpuStorage(this.pool.acquire(bytes), size, dtype);
    this.live.add(s);
    this.current?.allocs.push(s);
    return s;
  }

  release(s: GpuStorage): boolean {
    if (!this.live.delete(s)) return false;
    // `freed` stays false: a per-replay call (random, attribute functions) is run again in
    // patch mode with the storages it read while recording, which may have died since.
    this.pool.release(s.buffer, false);
    return true;
  }

  dispatch(
    spec: ShaderSpec,
    out: GpuStorage,
    inputs: readonly GpuStorage[],
    params: readonly number[],
    groups: readonly [number, number, number],
  ): void {
    const { pipeline, layout } = this.gpu.pipelineOf(spec);
    this.dispatches.push({
      key: spec.key,
      pipeline,
      layout,
      tag: layoutTag(spec),
      out,
      inputs: [...inputs],
      params: [...params],
      groups: [groups[0], groups[1], groups[2]],
    });
    if (this.current) this.current.count++;
  }

  unrecordable(what: string): void {
    this.problem ??= `a kernel did ${what}`;
  }

  /** Destroys every buffer of the recording. */
  destroy(): void {
    for (const s of this.live) this.pool.release(s.buffer, false);
    this.live.clear();
    this.pool.destroy();
  }
}
