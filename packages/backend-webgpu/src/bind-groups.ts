import type { GpuStorage } from './storage.js';

/** Most bind groups kept; the least recently used are dropped past it. */
const CAPACITY = 4096;

/**
 * Bind groups by (layout, buffers, bound sizes). The parameter uniform is bound with a
 * dynamic offset, so a group does not depend on the dispatch's slot, and a training loop
 * whose pooled buffers repeat step after step reuses its groups instead of creating one
 * per dispatch.
 */
export class BindGroupCache {
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private nextId = 1;
  /** Lookups answered from the cache / that created a group (for `info`). */
  hits = 0;
  misses = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly uniform: GPUBuffer,
    private readonly slotBytes: number,
  ) {}

  private id(b: GPUBuffer): number {
    let id = this.ids.get(b);
    if (id === undefined) this.ids.set(b, (id = this.nextId++));
    return id;
  }

  /** The bind group for `out` and `ins` (bindings 1, 2, …) under `layout`, identified by `tag` (`layoutTag`). */
  get(layout: GPUBindGroupLayout, tag: number, out: GpuStorage, ins: readonly GpuStorage[]): GPUBindGroup {
    const all = [out, ...ins];
    const size = (s: GpuStorage) => Math.min(s.buffer.size, Math.max(16, s.bytes));
    const key = `${tag}|${all.map((s) => `${this.id(s.buffer)}:${size(s)}`).join('|')}`;
    const hit = this.groups.get(key);
    if (hit) {
      this.hits++;
      // Move to the back: Map order is the LRU order.
      this.groups.delete(key);
      this.groups.set(key, hit);
      return hit;
    }
    this.misses++;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniform, offset: 0, size: this.slotBytes } }];
    all.forEach((s, k) => entries.push({ binding: k + 1, resource: { buffer: s.buffer, offset: 0, size: size(s) } }));
    const group = this.device.createBindGroup({ layout, entries });
    this.groups.set(key, group);
    if (this.groups.size > CAPACITY) this.groups.delete(this.groups.keys().next().value as string);
    return group;
  }

  /** Forgets every group (their buffers are being destroyed). */
  clear(): void {
    this.groups.clear();
  }
}
