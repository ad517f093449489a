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
 * A part's named arguments: one integer (a count, a byte address, a flag as 0/1) per field
 * of its kind's field list.
 */
export type PartArgs<F extends readonly string[]> = { readonly [K in F[number]]: number };

/** A module export taking one i32 per name of its parameter list `F`, in that order. */
export type ExportOf<F extends readonly string[]> = (...args: { -readonly [K in keyof F]: number }) => void;

/**
 * The field lists, the one place each part kind's word order is written: `partWords`
 * packs a record in this order and the drivers read it back by the offsets derived from
 * the same list (`PART_OFFSETS`).
 * A GEMM part: `driveGemm`'s arguments (`accumulate` and `packed`, its `packedA`, as 0/1).
 */
export const GEMM_FIELDS = ['M', 'N', 'K', 'a', 'ars', 'acs', 'b', 'brs', 'bcs', 'c', 'ldc', 'accumulate', 'packed'] as const;

/**
 * A conv part (CONV, CONV_FILTER, CONV_INPUT; see `driveConv`): the images [n0, n1) it owns,
 * `per` images per GEMM, `rows` output rows per GEMM, the byte addresses, the geometry, the
 * output rows [r0, r1), the output channels [o0, o1) (of each group), and for a forward
 * conv of one group whose filters were packed ahead (`packWhole`) their byte address `wpk`
 * (else 0) and padded row count `wmp`.
 */
export const CONV_FIELDS = [
  'n0', 'n1', 'per', 'rows', 'img', 'w', 'y', 'partial', 'col', 't',
  'C', 'H', 'W', 'O', 'G', 'kH', 'kW', 'Ho', 'Wo', 'sh', 'sw', 'pt', 'pl', 'dh', 'dw', 'r0', 'r1', 'o0', 'o1', 'wpk', 'wmp',
] as const;

/**
 * A Winograd part (see `driveWinograd`): images [n0, n1), `per` images per block, tile rows
 * [ty0, ty1) in blocks of `band`, the byte addresses (input, transformed filter U, output,
 * the part's scratch: padded band, V and M, and Ê for the filter gradient), the geometry, the
 * tile row's width (nTx tiles, padded to nTxp), U's strides, `grad` (0/1), the floats between
 * V's (M's, Ê's) 16 matrices beyond their size (`skew`) and `tiled` (1: the products by the
 * small-channel kernels, U packed for them; 0: by the GEMM).
 */
export const WINOGRAD_FIELDS = [
  'n0', 'n1', 'per', 'ty0', 'ty1', 'band', 'img', 'u', 'y', 'pad', 'v', 'm',
  'C', 'H', 'W', 'O', 'Ho', 'Wo', 'pt', 'pl', 'nTx', 'nTxp', 'urs', 'ucs', 'grad', 'e', 'skew', 'tiled',
] as const;

/** A conv part's arguments, or their word offsets (`PART_OFFSETS.conv`). */
export type ConvPartArgs = PartArgs<typeof CONV_FIELDS>;
/** A Winograd part's arguments, or their word offsets (`PART_OFFSETS.wino`). */
export type WinogradPartArgs = PartArgs<typeof WINOGRAD_FIELDS>;

/** Each field's word offset in a part (the kind is word 0), from a field list. */
function offsetsOf<F extends readonly string[]>(fields: F): PartArgs<F> {
  return Object.fromEntries(fields.map((f, i) => [f, 1 + i])) as PartArgs<F>;
}

/**
 * The word offset of every field, per part kind: drivers read `a[o + at.field]` (reading a
 * part into a fresh record instead cost microseconds per part).
 */
export interface PartOffsets {
  readonly gemm: PartArgs<typeof GEMM_FIELDS>;
  readonly conv: PartArgs<typeof CONV_FIELDS>;
  readonly wino: PartArgs<typeof WINOGRAD_FIELDS>;
}

/** The offsets of the field lists above (plain data: workers get it as JSON). */
export const PART_OFFSETS: PartOffsets = { gemm: offsetsOf(GEMM_FIELDS), conv: offsetsOf(CONV_FIELDS), wino: offsetsOf(WINOGRAD_FIELDS) };

/** The table words of a part: its kind, then the record's values in its field list's order. */
export function partWords<F extends readonly string[]>(kind: PartKind, fields: F, args: PartArgs<F>): Int32Array {
  const words = new Int32Array(1 + fields.length);
  words[0] = kind;
  for (let i = 0; i < fields.length; i++) words[1 + i] = args[fields[i] as F[number]];
  return words;
}

/**
 * Module exports a CALL part may run: word 1 is the index into this list, word 2 the
 * argument count, the arguments follow (e.g. max pooling over a range of planes).
 */
export const CALLABLE = [
  'maxPool', 'maxPoolBackward', 'bnSums', 'bnApply', 'winoIn', 'winoOut', 'biasAdd', 'biasRelu', 'biasSums', 'columnSums',
] as const;

/** Names of the exports a CALL part may run. */
export type CallableName = (typeof CALLABLE)[number];

/** What `runPart` runs parts with: the drivers, the CALL exports and the field offsets. */
export interface PartRunners {
  readonly gemm: typeof driveGemm;
  readonly conv: typeof driveConv;
  readonly wino: typeof driveWinograd;
  /** `CALLABLE`. */
  readonly calls: readonly string[];
  /** `PART_OFFSETS`. */
  readonly at: PartOffsets;
}

/**
 * Runs the part at word `o` of the table `a`: a GEMM, a conv part or a Winograd conv part
 * (its arguments read by name through `PART_OFFSETS`), or a call of one of the `calls`
 * exports (`CALLABLE`). The one entry point every thread calls; self-contained (no
 * outside names: workers get it as source text, with the drivers and offsets passed in).
 */
export function runPart(fns: WasmExports, s: GemmScratch, a: Int32Array, o: number, r: PartRunners): void {
  const kind = a[o];
  if (kind === 4 /* PART.CALL */) {
    const fn = (fns as unknown as Record<string, (...args: number[]) => void>)[r.calls[a[o + 1]]];
    fn(...Array.from(a.subarray(o + 3, o + 3 + a[o + 2])));
    return;
  }
  if (kind === 0 /* PART.GEMM */) {
    const g = r.at.gemm;
    const [M, N, K, A, ars, acs] = [a[o + g.M], a[o + g.N], a[o + g.K], a[o + g.a], a[o + g.ars], a[o + g.acs]];
    const [B, brs, bcs, C, ldc, acc] = [a[o + g.b], a[o + g.brs], a[o + g.bcs], a[o + g.c], a[o + g.ldc], a[o + g.accumulate]];
    r.gemm(fns, s, M, N, K, A, ars, acs, B, brs, bcs, C, ldc, acc !== 0, a[o + g.packed] !== 0);
  } else if (kind === 5 /* PART.WINOGRAD */) {
    r.wino(fns, s, a, o, r.at.wino, r.gemm);
  } else {
    r.conv(fns, s, a, o, r.at.conv, r.gemm);
  }
}
