/**
 * The block allocator of an engine's wasm memory: a bump pointer, plus free blocks that
 * coalesce with their free neighbours (and with the bump region when they end at it), so a
 * process that builds many differently sized models reuses its memory instead of growing
 * it. A freed block of exactly the requested size is found in O(1) (training loops ask for
 * the same sizes every step); otherwise the smallest free block that fits is split.
 * Sizes are in bytes, multiples of 16; `grow(end)` must make [0, end) addressable.
 */
export class BlockHeap {
  /** The bump pointer: bytes at and above it were never handed out (or all came back). */
  private top: number;
  /** Free blocks: start → size. */
  private readonly sizeAt = new Map<number, number>();
  /** Free blocks: end → start (to find a left neighbour). */
  private readonly startAtEnd = new Map<number, number>();
  /** Free blocks by exact size. */
  private readonly bySize = new Map<number, Set<number>>();

  constructor(
    start: number,
    private readonly grow: (end: number) => void,
  ) {
    this.top = start;
  }

  /** Bytes below the bump pointer (handed out or free). */
  get used(): number {
    return this.top;
  }

  /** Bytes held in free blocks. */
  get freeBytes(): number {
    let n = 0;
    for (const s of this.sizeAt.values()) n += s;
    return n;
  }

  /**
   * A block of `size` bytes; returns its byte address, or −1 when only growing the bump
   * region past `limit` bytes could give one.
   */
  take(size: number, limit = Infinity): number {
    const exact = this.bySize.get(size);
    if (exact && exact.size > 0) {
      const ptr = exact.values().next().value as number;
      this.unlink(ptr, size);
      return ptr;
    }
    let best = -1;
    let bestSize = Infinity;
    for (const [ptr, s] of this.sizeAt) {
      if (s > size && s < bestSize) {
        best = ptr;
        bestSize = s;
      }
    }
    if (best >= 0) {
      this.unlink(best, bestSize);
      this.link(best + size, bestSize - size);
      return best;
    }
    const ptr = this.top;
    if (ptr + size > limit) return -1;
    this.grow(ptr + size);
    this.top = ptr + size;
    return ptr;
  }

  /** Returns the block at `ptr` of `size` bytes, merged with any free neighbour. */
  give(ptr: number, size: number): void {
    const right = this.sizeAt.get(ptr + size);
    if (right !== undefined) {
      this.unlink(ptr + size, right);
      size += right;
    }
    const left = this.startAtEnd.get(ptr);
    if (left !== undefined) {
      const leftSize = this.sizeAt.get(left)!;
      this.unlink(left, leftSize);
      ptr = left;
      size += leftSize;
    }
    if (ptr + size === this.top) this.top = ptr;
    else this.link(ptr, size);
  }

  private link(ptr: number, size: number): void {
    this.sizeAt.set(ptr, size);
    this.startAtEnd.set(ptr + size, ptr);
    let set = this.bySize.get(size);
    if (!set) this.bySize.set(size, (set = new Set()));
    set.add(ptr);
  }

  private unlink(ptr: number, size: number): void {
    this.sizeAt.delete(ptr);
    this.startAtEnd.delete(ptr + size);
    const set = this.bySize.get(size)!;
    set.delete(ptr);
    if (set.size === 0) this.bySize.delete(size);
  }
}
