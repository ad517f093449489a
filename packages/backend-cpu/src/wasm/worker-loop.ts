import type { GemmScratch } from './gemm-driver.js';
import type { WasmExports } from './module.js';

// The WebAssembly types these declarations name, for users whose tsconfig has neither the
// DOM lib nor a @types/node that declares them (empty interfaces merge with the real ones).
declare global {
  namespace WebAssembly {
    interface Module {}
    interface Memory {}
  }
}

/** Runs the part whose words start at `o` in the table `a` (see `runPart`), on one thread. */
export type PartDriver = (fns: WasmExports, scratch: GemmScratch, a: Int32Array, o: number) => void;

/**
 * The shared control array's layout. NEXT packs the current dispatch as gen (13 bits) |
 * parts (9 bits) | next unclaimed part (9 bits): a thread claims a part with one
 * compare-exchange, so a claim can only ever succeed for the dispatch whose table is in
 * place, even for a worker that wakes late. Parts are read from TABLE (ARGS ints each:
 * a kind word, then its arguments).
 * The functions below run in workers as shipped source text (Node) or as a bundled
 * module (browsers), so they spell these indices out as numbers.
 */
export const CTRL = { WAKE: 0, NEXT: 1, COMPLETED: 2, ERROR: 3, LIVE: 4, TABLE: 8, ARGS: 32 } as const;

/**
 * Claims and runs parts of the current dispatch until none is left: the loop every
 * thread runs, the caller's included. Returns how many parts this thread ran.
 * Self-contained (no outside names): Node workers get it as source text.
 */
export function claimParts(ctrl: Int32Array, fns: WasmExports, scratch: GemmScratch, drive: PartDriver): number {
  let ran = 0;
  for (;;) {
    const cur = Atomics.load(ctrl, 1);
    const parts = (cur >>> 9) & 511;
    const idx = cur & 511;
    if (idx >= parts) return ran;
    if (Atomics.compareExchange(ctrl, 1, cur, cur + 1) !== cur) continue;
    try {
      drive(fns, scratch, ctrl, 8 + idx * 32);
    } catch {
      Atomics.store(ctrl, 3, 1);
    }
    ran++;
    Atomics.add(ctrl, 2, 1);
    Atomics.notify(ctrl, 2);
  }
}

/**
 * A worker's whole program, in Node and in browsers alike: sleep on WAKE, claim parts,
 * repeat; return once its index is past LIVE. Self-contained (see `claimParts`).
 */
export function workerLoop(
  ctrl: Int32Array,
  fns: WasmExports,
  scratch: GemmScratch,
  index: number,
  claim: typeof claimParts,
  drive: PartDriver,
): void {
  for (;;) {
    const seen = Atomics.load(ctrl, 0);
    if (index >= Atomics.load(ctrl, 4)) return;
    claim(ctrl, fns, scratch, drive);
    Atomics.wait(ctrl, 0, seen);
  }
}

/** What a worker is started with (structured-cloneable: the module and memory are shared, not copied). */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  readonly index: number;
  readonly scratch: GemmScratch;
}
