/**
 * Reused Float64 scratch buffers. Kernels run synchronously, so each named slot has at
 * most one user at a time; buffers only grow.
 */
const slots = new Map<string, Float64Array>();

/** A Float64Array of at least `size` elements for `slot` (contents unspecified). */
export function scratch(slot: string, size: number): Float64Array {
  let buf = slots.get(slot);
  if (!buf || buf.length < size) {
    buf = new Float64Array(size);
    slots.set(slot, buf);
  }
  return buf;
}

/** Bytes currently held by scratch buffers. */
export function scratchBytes(): number {
  let n = 0;
  for (const b of slots.values()) n += b.byteLength;
  return n;
}

/** Drops every scratch buffer. */
export function releaseScratch(): void {
  slots.clear();
}
