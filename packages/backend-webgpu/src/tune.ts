import * as T from '@tessera/core';
import type { BackendImpl } from '@tessera/core';
import { gpuOf } from './kernels/gpu-of.js';
import { TILE_CANDIDATES, tileName, type GemmTile } from './kernels/tiles.js';

/** One candidate's time in `tuneMatmul`. */
export interface TileTiming {
  /** Tile name, e.g. `64x64x16/4x4` (BM×BN×BK / TM×TN). */
  readonly tile: string;
  /** Best wall time of one matmul, in milliseconds. */
  readonly ms: number;
}

/** What `tuneMatmul` found. */
export interface TuneResult {
  /** The tile now used for large matmuls and convolutions on this backend. */
  readonly tile: string;
  /** Every candidate's time (empty when the choice came from the cache). */
  readonly timings: readonly TileTiming[];
  /** True when the choice was cached for this adapter and nothing was timed. */
  readonly cached: boolean;
}

/** Options of `tuneMatmul`. */
export interface TuneOptions {
  /** Square matmul size timed (default 1024; use small sizes on software adapters). */
  readonly size?: number;
  /** Timed runs per candidate, best kept (default 3). */
  readonly repeats?: number;
  /** Time again even if this adapter has a cached choice. */
  readonly force?: boolean;
}

/** Choices per adapter, for this process (and in `localStorage` where there is one). */
const cache = new Map<string, GemmTile>();
const STORAGE_PREFIX = 'tessera.webgpu.gemmTile:';

function storage(): { getItem(k: string): string | null; setItem(k: string, v: string): void } | null {
  const ls = (globalThis as { localStorage?: { getItem(k: string): string | null; setItem(k: string, v: string): void } }).localStorage;
  return ls ?? null;
}

function cached(key: string): GemmTile | undefined {
  const hit = cache.get(key);
  if (hit) return hit;
  const name = storage()?.getItem(STORAGE_PREFIX + key);
  return TILE_CANDIDATES.find((t) => tileName(t) === name);
}

/**
 * Times the GEMM tile candidates (32², 64², 128×64 and 128² output tiles with 4×4 to
 * 8×8 outputs per thread) on a square matmul and makes the fastest the tile for large
 * matmuls and convolutions on this backend. The choice is cached per adapter (vendor,
 * architecture, device, description) for the process and, in browsers, in localStorage.
 *
 * @example
 * await init();
 * const { tile, timings } = await tuneMatmul();
 */
export async function tuneMatmul(backend: BackendImpl | string = 'webgpu', options: TuneOptions = {}): Promise<TuneResult> {
  const impl = typeof backend === 'string' ? T.getBackend(backend) : backend;
  const gpu = gpuOf(impl);
  const facts = impl.info?.() ?? {};
  const key = ['vendor', 'architecture', 'device', 'description'].map((k) => String(facts[k] ?? '')).join('|');
  const hit = options.force ? undefined : cached(key);
  if (hit) {
    gpu.preferredTile = hit;
    return { tile: tileName(hit), timings: [], cached: true };
  }
  const n = options.size ?? 1024;
  const repeats = options.repeats ?? 3;
  const rng = T.getRngState();
  const [a, b] = T.tidy(() => [T.rand([n, n], { backend: impl.name }), T.rand([n, n], { backend: impl.name })]);
  const timings: TileTiming[] = [];
  try {
    for (const tile of TILE_CANDIDATES) {
      gpu.tileOverride = tile;
      let best = Infinity;
      // The first run compiles the pipeline and is not timed.
      for (let r = -1; r < repeats; r++) {
        const t0 = performance.now();
        T.matmul(a, b).dispose();
        await gpu.sync();
        if (r >= 0) best = Math.min(best, performance.now() - t0);
      }
      timings.push({ tile: tileName(tile), ms: best });
    }
  } finally {
    gpu.tileOverride = null;
    T.dispose([a, b]);
    T.setRngState(rng);
  }
  const fastest = timings.reduce((p, c) => (c.ms < p.ms ? c : p));
  const tile = TILE_CANDIDATES.find((t) => tileName(t) === fastest.tile) as GemmTile;
  gpu.preferredTile = tile;
  cache.set(key, tile);
  storage()?.setItem(STORAGE_PREFIX + key, fastest.tile);
  return { tile: fastest.tile, timings, cached: false };
}
