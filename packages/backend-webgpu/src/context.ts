import { BackendError, type DType } from '@tessera/core';
import { BufferUsage, MAP_READ } from './flags.js';
import { LARGE_TILE, type GemmTile } from './kernels/tiles.js';
import { BindGroupCache } from './bind-groups.js';
import { PipelineCache, layoutTag, type ShaderSpec } from './pipelines.js';
import { BufferPool, type PoolStats } from './buffer-pool.js';
import { GpuStorage } from './storage.js';
import { PARAM_WORDS } from './wgsl/params.js';
import { foldGroups } from './wgsl/shader.js';

/** Tuning knobs of a context. */
export interface ContextOptions {
  /** Dispatches recorded before the open encoder is submitted (default 64). */
  readonly batchSize: number;
  /** Pooled bytes kept for reuse before the oldest free buffers are destroyed (default 512 MiB). */
  readonly maxPooledBytes: number;
  /** Caps workgroups per dispatch dimension below the device limit (tests of the folding). */
  readonly maxWorkgroupsPerDimension?: number;
}

/** Bytes of one dispatch's parameters (the uniform binding's size). */
export const SLOT_BYTES = PARAM_WORDS * 4;

/** Usage of tensor buffers: bound as storage, copied in and out. */
export const TENSOR_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/**
 * Takes over allocation and dispatch while a compiled step is recorded or patched
 * (src/recording.ts): nothing is encoded while a hook is set.
 */
export interface ContextHook {
  /** A buffer for a kernel output or temporary of `bytes` bytes. */
  alloc(bytes: number, size: number, dtype: DType): GpuStorage;
  /** Takes `s` back if it is the hook's; false sends it to the context's pool. */
  release(s: GpuStorage): boolean;
  /** One dispatch, with the same arguments as `GpuContext.dispatch`. */
  dispatch(
    spec: ShaderSpec,
    out: GpuStorage,
    inputs: readonly GpuStorage[],
    params: readonly number[],
    groups: readonly [number, number, number],
  ): void;
  /** Work that is not a dispatch (an upload, a copy, a readback). */
  unrecordable(what: string): void;
}

/**
 * Everything a running WebGPU backend shares: the device, the buffer pools, the pipeline
 * cache and the one open command encoder. Dispatches are recorded into a single compute
 * pass and submitted every `batchSize` dispatches or when a read needs the results; their
 * parameters go into one uniform buffer written right before each submit (queue order
 * makes reusing it for the next batch safe).
 */
export class GpuContext {
  readonly pool: BufferPool;
  private readonly staging: BufferPool;
  private readonly pipelines: PipelineCache;
  /** Bind groups reused across dispatches (see BindGroupCache). */
  readonly bindGroups: BindGroupCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recorded = 0;
  private readonly uniformData: Uint32Array;
  private readonly uniform: GPUBuffer;
  /** Stride of the dispatches' parameter slots: SLOT_BYTES rounded up to the offset alignment. */
  readonly slotBytes: number;
  /** Bytes held by live compiled-step recordings (their own buffers, outside the pool). */
  recordingBytes = 0;
  /** While set, allocation and dispatch go to a recording (see ContextHook). */
  hook: ContextHook | null = null;
  /** GEMM tile for large problems (`tuneMatmul` may change it). */
  preferredTile: GemmTile = LARGE_TILE;
  /** Forces one GEMM tile (while tuning). */
  tileOverride: GemmTile | null = null;
  /** Submits so far (a counter for tests and `info`). */
  submits = 0;
  /** Dispatches so far. */
  dispatches = 0;
  private errors: string[] = [];
  /** While set, dispatches only start compiling their pipelines (see `collectPipelines`). */
  private compiling: Promise<void>[] | null = null;
  private lostReason: string | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly options: ContextOptions,
  ) {
    const limits = device.limits;
    this.slotBytes = Math.max(SLOT_BYTES, limits.minUniformBufferOffsetAlignment);
    this.pipelines = new PipelineCache(device);
    this.pool = new BufferPool(device, TENSOR_USAGE, 'tessera tensor', options.maxPooledBytes);
    this.staging = new BufferPool(device, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'tessera readback', 64 << 20);
    this.uniformData = new Uint32Array((options.batchSize * this.slotBytes) / 4);
    this.uniform = device.createBuffer({
      size: options.batchSize * this.slotBytes,
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
      label: 'tessera params',
    });
    this.bindGroups = new BindGroupCache(device, this.uniform, SLOT_BYTES);
    device.addEventListener?.('uncapturederror', (ev) => {
      const error = (ev as GPUUncapturedErrorEvent).error;
      const msg = error?.message ?? String(ev);
      if (this.errors.length < 8) this.errors.push(msg);
      // Out of memory: give the pooled buffers back so the next allocations can succeed.
      if (error?.constructor?.name === 'GPUOutOfMemoryError') this.pool.trim(0);
    });
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** Largest workgroup count per dispatch dimension. */
  get maxGroupsPerDim(): number {
    const limit = this.device.limits.maxComputeWorkgroupsPerDimension;
    return Math.min(limit, this.options.maxWorkgroupsPerDimension ?? limit);
  }

  /** Throws a BackendError if the device was lost. */
  assertAlive(op: string): void {
    if (this.lostReason !== null) {
      throw new BackendError(
        `webgpu: ${op}: the GPU device was lost (${this.lostReason}). Its tensors are gone; call init() again to start a new device.`,
      );
    }
  }

  /** A fresh output buffer for `size` elements of `dtype`, checked against the binding limit. */
  alloc(op: string, size: number, dtype: GpuStorage['dtype']): GpuStorage {
    this.assertAlive(op);
    const bytes = size * 4;
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new BackendError(
        `webgpu: ${op}: a ${size}-element ${dtype} tensor (${bytes} bytes) exceeds this adapter's maxStorageBufferBindingSize (${limit} ` +
          `bytes). Split the work into smaller tensors.`,
      );
    }
    if (this.hook) return this.hook.alloc(bytes, size, dtype);
    return new GpuStorage(this.pool.acquire(bytes), size, dtype);
  }

  /** Uploads 32-bit words into a new storage. */
  upload(words: ArrayBufferView, size: number, dtype: GpuStorage['dtype']): GpuStorage {
    this.hook?.unrecordable('an upload (queue.writeBuffer)');
    const s = this.alloc('write', size, dtype);
    if (words.byteLength > 0) this.device.queue.writeBuffer(s.buffer, 0, words.buffer, words.byteOffset, words.byteLength);
    return s;
  }

  /** Returns a storage's buffer to the pool (held back while the open encoder may use it). */
  release(s: GpuStorage): void {
    if (s.freed || this.hook?.release(s)) return;
    s.freed = true;
    if (this.lostReason !== null) return;
    this.pool.release(s.buffer, this.recorded > 0);
  }

  /**
   * Runs `fn` with dispatching switched to asynchronous pipeline compilation: every
   * kernel it calls starts compiling its pipeline (nothing runs on the GPU), and the
   * returned promise resolves when all have compiled. Outputs of `fn` hold garbage.
   */
  async collectPipelines(fn: () => void): Promise<number> {
    const before = this.pipelines.size;
    const list: Promise<void>[] = [];
    this.compiling = list;
    try {
      fn();
    } finally {
      this.compiling = null;
    }
    await Promise.all(list);
    return this.pipelines.size - before;
  }

  /** The compiled pipeline of a shader and its bind group layout. */
  pipelineOf(spec: ShaderSpec): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    return { pipeline: this.pipelines.get(spec), layout: this.pipelines.layout(spec.inputs, spec.outputs).group };
  }

  /** Number of compiled pipelines. */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /**
   * Records one dispatch: `out` and `inputs` bound at 1 and 2…, `params` (32-bit words)
   * in this dispatch's uniform slot, `groups` workgroups.
   */
  dispatch(
    spec: ShaderSpec,
    out: GpuStorage,
    inputs: readonly GpuStorage[],
    params: readonly number[],
    groups: readonly [number, number, number],
  ): void {
    this.assertAlive(spec.key);
    if (params.length > PARAM_WORDS)
      throw new BackendError(`webgpu: ${spec.key}: ${params.length} parameter words exceed ${PARAM_WORDS} (rank too high).`);
    const max = this.maxGroupsPerDim;
    if (groups.some((g) => g > max))
      throw new BackendError(`webgpu: ${spec.key}: dispatch ${groups.join('×')} exceeds maxComputeWorkgroupsPerDimension ${max}.`);
    if (groups.some((g) => g === 0)) return;
    if (this.compiling) {
      this.compiling.push(this.pipelines.precompile(spec));
      return;
    }
    if (this.hook) {
      this.hook.dispatch(spec, out, inputs, params, groups);
      return;
    }
    const pipeline = this.pipelines.get(spec);
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    const slot = this.recorded++;
    this.uniformData.set(params, (slot * this.slotBytes) / 4);
    const group = this.bindGroups.get(this.pipelines.layout(spec.inputs, spec.outputs).group, layoutTag(spec), out, inputs);
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group, [slot * this.slotBytes]);
    this.pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.dispatches++;
    if (this.recorded >= this.options.batchSize) this.flush();
  }

  /** One thread per output element: folds ceil(n / 64) workgroups into 2-D/3-D. */
  groupsFor(n: number, perGroup: number): [number, number, number] {
    return foldGroups(Math.ceil(n / perGroup), this.maxGroupsPerDim);
  }

  /** Submits the open encoder (after `extra` records into it, e.g. a readback copy). */
  flush(extra?: (encoder: GPUCommandEncoder) => void): void {
    if (this.hook) this.hook.unrecordable(extra ? 'a copy or readback' : 'a submit');
    if (!this.encoder && !extra) return;
    const encoder = this.encoder ?? this.device.createCommandEncoder();
    this.pass?.end();
    if (extra) extra(encoder);
    if (this.recorded > 0) this.device.queue.writeBuffer(this.uniform, 0, this.uniformData.buffer, 0, (this.recorded * this.slotBytes));
    this.device.queue.submit([encoder.finish()]);
    this.submits++;
    this.encoder = null;
    this.pass = null;
    this.recorded = 0;
    this.pool.onSubmit();
  }

  /** Reads a storage's raw 32-bit words (flushes pending work). */
  async read(s: GpuStorage): Promise<ArrayBuffer> {
    this.assertAlive('read');
    const bytes = s.bytes;
    if (bytes === 0) return new ArrayBuffer(0);
    const staging = this.staging.acquire(bytes);
    this.flush((enc) => enc.copyBufferToBuffer(s.buffer, 0, staging, 0, bytes));
    this.staging.onSubmit();
    try {
      await staging.mapAsync(MAP_READ, 0, bytes);
    } catch (e) {
      this.assertAlive('read');
      throw new BackendError(`webgpu: reading a tensor failed (${(e as Error).message})${this.errorNote()}.`);
    }
    const copy = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.staging.release(staging, false);
    this.throwErrors('read');
    return copy;
  }

  private errorNote(): string {
    return this.errors.length ? `; GPU errors: ${this.errors.join(' | ')}` : '';
  }

  /** Throws (once) the validation errors the device reported since the last check. */
  throwErrors(op: string): void {
    if (this.errors.length === 0) return;
    const msg = this.errors.join(' | ');
    this.errors = [];
    throw new BackendError(`webgpu: ${op}: the GPU reported errors: ${msg}`);
  }

  /** Submits pending work and waits until the GPU has finished it. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwErrors('sync');
  }

  /** Pool counters: tensor buffers plus readback staging. */
  stats(): PoolStats & { stagingBytes: number } {
    const t = this.pool.stats();
    const st = this.staging.stats();
    return { ...t, stagingBytes: st.pooledBytes + st.inUseBytes };
  }

  /** Releases every GPU resource and the device. */
  destroy(): void {
    this.encoder = null;
    this.pass = null;
    this.pool.destroy();
    this.staging.destroy();
    this.uniform.destroy();
    this.device.destroy();
  }
}
