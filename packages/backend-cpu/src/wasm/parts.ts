import type { driveConv } from './conv-driver.js';
import type { driveGemm, GemmScratch } from './gemm-driver.js';
import type { WasmExports } from './module.js';
import type { driveWinograd } from './winograd-driver.js';

/**
 * Part kinds of the thread table (word 0 of a part). `runPart` and `driveConv` run in
 * workers as source text, so they compare with these numbers spelled out (each marked
 * with its name); the thread tests run every kind (`test/threads.test.ts`; Winograd parts in
 * `test/winograd.test.ts`).
 */
export const PART = { GEMM: 0, CONV: 1, CONV_FILTER: 2, CONV_INPUT: 3, CALL: 4, WINOGRAD: 5 } as const;

/** A part kind: a value of `PART`. */
export type PartKind = (typeof PART)[keyof typeof PART];

/**
 * Module exports a CALL part may run: word 1 is the index into this list, word 2 the
 * argument count, the arguments follow (e.g. max pooling over a range of planes).
 */
export const CALLABLE = ['maxPool', 'maxPoolBackward', 'bnSums', 'bnApply'] as const;

/** Names of the exports a CALL part may run. */
export type CallableName = (typeof CALLABLE)[number];

/**
 * Runs the part at word `o` of the table `a`: a GEMM (its `driveGemm` arguments in words
 * 1…12, accumulate as 0/1), a conv part, a Winograd conv part, or a call of one of the `calls` exports (`CALLABLE`).
 * The one entry point every thread calls; self-contained (no outside names: workers get it
 * as source text, with the drivers passed in).
 */
export function runPart(
  fns: WasmExports,
  s: GemmScratch,
  a: Int32Array,
  o: number,
  gemm: typeof driveGemm,
  conv: typeof driveConv,
  wino: typeof driveWinograd,
  calls: readonly string[],
): void {
  const kind = a[o];
  if (kind === 0 /* PART.GEMM */) {
    gemm(
      fns,
      s,
      a[o + 1],
      a[o + 2],
      a[o + 3],
      a[o + 4],
      a[o + 5],
      a[o + 6],
      a[o + 7],
      a[o + 8],
      a[o + 9],
      a[o + 10],
      a[o + 11],
      a[o + 12] !== 0,
    );
  } else if (kind === 4 /* PART.CALL */) {
    const fn = (fns as unknown as Record<string, (...args: number[]) => void>)[calls[a[o + 1]]];
    fn(...Array.from(a.subarray(o + 3, o + 3 + a[o + 2])));
  } else if (kind === 5 /* PART.WINOGRAD */) {
    wino(fns, s, a, o, gemm);
  } else {
    conv(fns, s, a, o, gemm);
  }
}
