/** Whoever owns a block of wasm memory and takes it back (the engine's heap). */
interface BlockOwner {
  /** Returns the block at byte address `ptr` of `bytes` bytes to the free lists. */
  give(ptr: number, bytes: number): void;
}

/** A kernel output that lives in an engine's (shared) wasm memory. */
export interface Resident {
  readonly owner: BlockOwner;
  readonly ptr: number;
  readonly bytes: number;
}

/**
 * Float32Array views over shared wasm memory that are tensor storage, with their block:
 * the next wasm kernel reads them in place (no copy in), and freeing the storage gives the
 * block back. A WeakMap so a view that is dropped without `free` costs nothing here.
 */
const residents = new WeakMap<Float32Array, Resident>();

/** Records `view` as the storage living in `owner`'s block at `ptr`. */
export function markResident(view: Float32Array, r: Resident): void {
  residents.set(view, r);
}

/** The block of a resident view, if it is one. */
export function residentOf(values: unknown): Resident | undefined {
  return values instanceof Float32Array ? residents.get(values) : undefined;
}

/** Gives a resident view's block back to its engine; false when `values` is not resident. */
export function releaseResident(values: unknown): boolean {
  const r = residentOf(values);
  if (!r) return false;
  residents.delete(values as Float32Array);
  r.owner.give(r.ptr, r.bytes);
  return true;
}
