import { BackendError, type DType, type DeviceCopy, type DeviceRecording, type ReplayIO } from '@tessera/core';
import { SLOT_BYTES, type ContextHook, type GpuContext } from './context.js';
import { BindGroupCache } from './bind-groups.js';
import { BufferUsage } from './flags.js';
import type { ShaderSpec } from './pipelines.js';
import { Recorder, type RecordedCall, type RecordedDispatch } from './recorder.js';
import { asGpu, type GpuStorage } from './storage.js';

/**
 * `BackendImpl.record` for WebGPU: runs the step's kernels with the context in record mode
 * and returns the prepared dispatch list, or null when a kernel did something other than
 * allocate, release and dispatch (that step then replays kernel by kernel).
 */
export function recordStep(gpu: GpuContext, run: (beginCall: (call: number) => void) => void): DeviceRecording | null {
  gpu.assertAlive('compile');
  gpu.flush();
  const rec = new Recorder(gpu);
  gpu.hook = rec;
  try {
    run((k) => rec.beginCall(k));
  } catch (e) {
    rec.destroy();
    throw e;
  } finally {
    gpu.hook = null;
  }
  if (rec.problem !== null) {
    rec.destroy();
    return null;
  }
  return new GpuRecording(gpu, rec);
}

/**
 * A compiled step's device work, ready to re-issue: one uniform buffer with every
 * dispatch's parameters at its own slot (written once, patched for the calls that change
 * per replay), one bind group per dispatch, pipelines resolved. A replay is a copy-in, one
 * compute pass and a copy-out in one command buffer.
 */
class GpuRecording implements DeviceRecording {
  private readonly pipelines: GPUComputePipeline[];
  private readonly groups: GPUBindGroup[];
  /** Dynamic offset of each dispatch's parameter slot. */
  private readonly offsets: Uint32Array;
  private readonly workgroups: Uint32Array;
  private readonly uniformData: Uint32Array;
  private readonly uniform: GPUBuffer;
  private disposed = false;
  readonly bytes: number;

  constructor(
    private readonly gpu: GpuContext,
    private readonly rec: Recorder,
  ) {
    const list = rec.dispatches;
    const n = list.length;
    const slot = gpu.slotBytes;
    this.uniformData = new Uint32Array((Math.max(n, 1) * slot) / 4);
    this.offsets = new Uint32Array(n);
    this.workgroups = new Uint32Array(3 * n);
    list.forEach((d, i) => {
      this.offsets[i] = i * slot;
      this.uniformData.set(d.params, (i * slot) / 4);
      this.workgroups.set(d.groups, 3 * i);
    });
    this.uniform = gpu.device.createBuffer({
      size: this.uniformData.byteLength,
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
      label: 'tessera recording params',
    });
    gpu.device.queue.writeBuffer(this.uniform, 0, this.uniformData.buffer, 0, this.uniformData.byteLength);
    // The cache only dedupes groups while building (dispatches on the same buffers share one).
    const cache = new BindGroupCache(gpu.device, this.uniform, SLOT_BYTES);
    this.groups = list.map((d) => cache.get(d.layout, d.tag, d.out, d.inputs));
    this.pipelines = list.map((d) => d.pipeline);
    const s = rec.pool.stats();
    this.bytes = s.inUseBytes + s.pooledBytes + this.uniform.size;
    gpu.recordingBytes += this.bytes;
  }

  replay(io: ReplayIO): GpuStorage[] {
    if (this.disposed) throw new BackendError('webgpu: a compiled step replayed a recording that was disposed.');
    const gpu = this.gpu;
    gpu.assertAlive('compiled step');
    if (io.rerun.length > 0) this.patch(io.rerun);
    // Work issued before this step (e.g. what produced its arguments) goes first.
    gpu.flush();
    const encoder = gpu.device.createCommandEncoder();
    copyAll(encoder, io.before);
    const pass = encoder.beginComputePass();
    const { pipelines, groups, offsets, workgroups: w } = this;
    let last: GPUComputePipeline | null = null;
    for (let i = 0; i < pipelines.length; i++) {
      if (pipelines[i] !== last) pass.setPipeline((last = pipelines[i]));
      pass.setBindGroup(0, groups[i], offsets, i, 1);
      pass.dispatchWorkgroups(w[3 * i], w[3 * i + 1], w[3 * i + 2]);
    }
    pass.end();
    copyAll(encoder, io.after);
    const out = io.handOut.map(({ src, dtype, size }) => {
      const s = gpu.alloc('compiled step', size, dtype);
      if (s.bytes > 0) encoder.copyBufferToBuffer(asGpu(src, 'compiled step').buffer, 0, s.buffer, 0, s.bytes);
      return s;
    });
    gpu.device.queue.submit([encoder.finish()]);
    gpu.submits++;
    gpu.dispatches += pipelines.length;
    return out;
  }

  /** Runs the per-replay calls in patch mode and uploads their new parameters (one write). */
  private patch(rerun: ReplayIO['rerun']): void {
    let lo = Number.POSITIVE_INFINITY;
    let hi = 0;
    for (const { call, run } of rerun) {
      const recorded = this.rec.calls[call];
      if (!recorded) throw new BackendError(`webgpu: compiled step: call ${call} was not recorded.`);
      const patcher = new Patcher(call, recorded, this.rec.dispatches, this.uniformData, this.gpu.slotBytes / 4);
      this.gpu.hook = patcher;
      try {
        run();
      } finally {
        this.gpu.hook = null;
      }
      patcher.finish();
      if (recorded.count > 0) {
        lo = Math.min(lo, recorded.first);
        hi = Math.max(hi, recorded.first + recorded.count);
      }
    }
    if (hi > lo) {
      const slot = this.gpu.slotBytes;
      this.gpu.device.queue.writeBuffer(this.uniform, lo * slot, this.uniformData.buffer, lo * slot, (hi - lo) * slot);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Destroying buffers that submitted work still uses is allowed: WebGPU keeps them until
    // that work completes, and nothing not yet submitted refers to them (hand-outs are copies).
    this.rec.destroy();
    this.uniform.destroy();
    this.gpu.recordingBytes -= this.bytes;
  }
}

/**
 * Whole-tensor copies. The size comes from the storages, not `bytes`: core counts a bool
 * as 1 byte, the GPU stores it in 4.
 */
function copyAll(encoder: GPUCommandEncoder, copies: readonly DeviceCopy[]): void {
  for (const c of copies) {
    const src = asGpu(c.src, 'compiled step');
    const dst = asGpu(c.dst, 'compiled step');
    const bytes = Math.min(src.bytes, dst.bytes);
    if (bytes > 0) encoder.copyBufferToBuffer(src.buffer, 0, dst.buffer, 0, bytes);
  }
}

/**
 * The context hook of patch mode: a per-replay call runs its kernel again, which must do
 * what it did while recording; its allocations get the recorded buffers back, and its
 * dispatches only write their new parameter words into the recording's uniform data.
 */
class Patcher implements ContextHook {
  private allocs = 0;
  private dispatches = 0;

  constructor(
    private readonly call: number,
    private readonly recorded: RecordedCall,
    private readonly list: readonly RecordedDispatch[],
    private readonly uniformData: Uint32Array,
    private readonly slotWords: number,
  ) {}

  private mismatch(what: string): never {
    throw new BackendError(
      `webgpu: compiled step: call ${this.call} did different work when run again (${what}); its kernel must not change shapes or ` +
        `shaders with its attributes.`,
    );
  }

  alloc(_bytes: number, size: number, dtype: DType): GpuStorage {
    const s = this.recorded.allocs[this.allocs++];
    if (!s || s.size !== size || s.dtype !== dtype) this.mismatch(`allocation ${this.allocs}`);
    return s;
  }

  release(s: GpuStorage): boolean {
    return this.recorded.allocs.includes(s);
  }

  dispatch(
    spec: ShaderSpec,
    out: GpuStorage,
    _inputs: readonly GpuStorage[],
    params: readonly number[],
    groups: readonly [number, number, number],
  ): void {
    const i = this.recorded.first + this.dispatches++;
    const d = this.dispatches <= this.recorded.count ? this.list[i] : undefined;
    if (!d || d.key !== spec.key || d.out !== out || d.groups.some((g, k) => g !== groups[k]))
      this.mismatch(`dispatch ${this.dispatches} of ${spec.key}`);
    this.uniformData.set(params, i * this.slotWords);
  }

  unrecordable(what: string): void {
    this.mismatch(what);
  }

  /** Checks the call issued all its recorded dispatches. */
  finish(): void {
    if (this.dispatches !== this.recorded.count) this.mismatch(`${this.dispatches} dispatches, recorded ${this.recorded.count}`);
  }
}
