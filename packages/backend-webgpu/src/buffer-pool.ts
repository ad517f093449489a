import { BackendError } from '@tessera/core';

/** Smallest buffer handed out (bindings of 0 bytes are invalid). */
const MIN_BYTES = 16;

/**
 * Rounds a byte count up to its size class: powers of two split in four steps
 * (…, 1024, 1280, 1536, 1792, 2048, …), so a reused buffer wastes at most 25 %.
 */
export function sizeClass(bytes: number): number {
  const n = Math.max(MIN_BYTES, Math.ceil(bytes / 4) * 4);
  if (n <= 256) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n)) - 2);
  return Math.ceil(n / step) * step;
}

/** Counters of a pool, for `memory()`. */
export interface PoolStats {
  /** Bytes of buffers handed out and not yet released. */
  readonly inUseBytes: number;
  /** Bytes of released buffers kept for reuse (free or awaiting their submit). */
  readonly pooledBytes: number;
  /** Number of GPU buffers alive (in use or pooled). */
  readonly buffers: number;
}

/**
 * A pool of GPU buffers of one usage, by size class. A released buffer is not reused
 * before the command buffer that last used it was submitted: until then it waits in
 * `pending`, because a `queue.writeBuffer` into it would run before the unsubmitted
 * commands that still read it. Past `maxPooledBytes`, the least recently released
 * buffers are destroyed.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Released while the open encoder may still use them: reusable after the next submit. */
  private pending: GPUBuffer[] = [];
  /** Free buffers in release order, oldest first (for trimming). */
  private order: GPUBuffer[] = [];
  private inUse = 0;
  private pooled = 0;
  private count = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly label: string,
    private readonly maxPooledBytes: number,
  ) {}

  /** A buffer of at least `bytes` bytes. */
  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.order.splice(this.order.lastIndexOf(reused), 1);
      this.pooled -= size;
      this.inUse += size;
      return reused;
    }
    const buffer = this.create(size);
    this.count++;
    this.inUse += size;
    return buffer;
  }

  private create(size: number): GPUBuffer {
    try {
      return this.device.createBuffer({ size, usage: this.usage, label: this.label });
    } catch (e) {
      // Under memory pressure: give back every pooled buffer and try once more.
      this.trim(0);
      try {
        return this.device.createBuffer({ size, usage: this.usage, label: this.label });
      } catch {
        throw new BackendError(
          `webgpu: could not allocate a ${size}-byte buffer (${(e as Error).message}). Free tensors (dispose/tidy) or use smaller batches.`,
        );
      }
    }
  }

  /**
   * Returns a buffer to the pool. With `afterSubmit`, it is held back until
   * `onSubmit()` (the open encoder may still use it).
   */
  release(buffer: GPUBuffer, afterSubmit: boolean): void {
    const size = buffer.size;
    this.inUse -= size;
    this.pooled += size;
    if (afterSubmit) this.pending.push(buffer);
    else this.makeFree(buffer);
  }

  private makeFree(buffer: GPUBuffer): void {
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    list.push(buffer);
    this.order.push(buffer);
  }

  /** The encoder was submitted: held-back buffers become reusable; trims past the limit. */
  onSubmit(): void {
    const ready = this.pending;
    this.pending = [];
    for (const b of ready) this.makeFree(b);
    if (this.pooled > this.maxPooledBytes) this.trim(this.maxPooledBytes);
  }

  /** Destroys free buffers, oldest first, until at most `keepBytes` are pooled. */
  trim(keepBytes: number): void {
    while (this.pooled - this.pendingBytes() > 0 && this.pooled > keepBytes && this.order.length > 0) {
      const b = this.order.shift() as GPUBuffer;
      const list = this.free.get(b.size) as GPUBuffer[];
      list.splice(list.lastIndexOf(b), 1);
      this.pooled -= b.size;
      this.count--;
      b.destroy();
    }
  }

  private pendingBytes(): number {
    let n = 0;
    for (const b of this.pending) n += b.size;
    return n;
  }

  /** Current counters. */
  stats(): PoolStats {
    return { inUseBytes: this.inUse, pooledBytes: this.pooled, buffers: this.count };
  }

  /** Destroys every pooled buffer (in-use buffers are destroyed with the device). */
  destroy(): void {
    for (const b of this.order) b.destroy();
    for (const b of this.pending) b.destroy();
    this.free.clear();
    this.order = [];
    this.pending = [];
    this.pooled = 0;
  }
}
