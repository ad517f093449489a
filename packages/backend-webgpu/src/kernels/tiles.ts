/**
 * Tile shape of the GEMM kernel: a BM×BN output tile per workgroup, TM×TN outputs per
 * thread (multiples of 4: registers and shared memory hold vec4s), BK deep per step.
 */
export interface GemmTile {
  readonly BM: number;
  readonly BN: number;
  readonly BK: number;
  readonly TM: number;
  readonly TN: number;
}

/** 32×32 tiles, 8×8 threads with 4×4 outputs each: more workgroups for small problems. */
const SMALL_TILE: GemmTile = { BM: 32, BN: 32, BK: 16, TM: 4, TN: 4 };
/** 64×64 tiles, 16×16 threads with 4×4 outputs each (256 threads, 8 KiB shared): the default. */
export const LARGE_TILE: GemmTile = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 };
/** 128×128 tiles, 16×16 threads with 8×8 outputs each: more reuse per load on big GPUs. */
const XL_TILE: GemmTile = { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8 };
/** 128×64 tiles, 16×16 threads with 8×4 outputs each. */
const WIDE_TILE: GemmTile = { BM: 128, BN: 64, BK: 8, TM: 8, TN: 4 };

/** The candidates `tuneMatmul` times. */
export const TILE_CANDIDATES: readonly GemmTile[] = [SMALL_TILE, LARGE_TILE, WIDE_TILE, XL_TILE];

/** A tile's short name, e.g. `64x64x16/4x4`. */
export const tileName = (t: GemmTile): string => `${t.BM}x${t.BN}x${t.BK}/${t.TM}x${t.TN}`;

/** Workgroups below which a GEMM falls back to a smaller tile (the GPU would idle). */
const MIN_WORKGROUPS = 64;

/**
 * The tile for a problem: the preferred (tuned) tile if the problem still gives enough
 * workgroups, else the largest smaller default that does, else the small tile.
 */
export function chooseTile(preferred: GemmTile, M: number, N: number, batch: number): GemmTile {
  for (const t of [preferred, LARGE_TILE]) {
    if (Math.ceil(M / t.BM) * Math.ceil(N / t.BN) * batch >= MIN_WORKGROUPS) return t;
  }
  return SMALL_TILE;
}
