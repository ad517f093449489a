/**
 * Counter-based random numbers. Element `i` of a random op is a pure function of
 * (key0, key1, i), so results do not depend on the backend, the thread split or the
 * order of evaluation. Only 32-bit integer multiply, xor and shifts are used, so WGSL
 * and WebAssembly reproduce it bit for bit.
 */

/** A 32-bit avalanche mixer (Chris Wellons' lowbias32). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The random 32-bit word for counter `i` under key (key0, key1). */
export function hash2(key0: number, key1: number, i: number): number {
  return mix32(mix32((i + Math.imul(key0, 0x9e3779b9)) >>> 0) ^ key1);
}

/** Uniform in [0, 1) with 24 random bits (exact in float32). */
export function uniformAt(key0: number, key1: number, i: number): number {
  return (hash2(key0, key1, i) >>> 8) * 5.960464477539063e-8;
}

/** Standard normal for element i: Box–Muller over the uniform pair of ⌊i/2⌋. */
export function normalAt(key0: number, key1: number, i: number): number {
  const j = i & ~1;
  // 1 − u keeps the log's argument in (0, 1].
  const u1 = 1 - uniformAt(key0, key1, j);
  const u2 = uniformAt(key0, key1, j + 1);
  const r = Math.sqrt(-2 * Math.log(u1));
  const theta = 2 * Math.PI * u2;
  return (i & 1) === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
}

/** The global generator state behind `manualSeed`. */
export interface RngState {
  seed: number;
  counter: number;
}

const state: RngState = { seed: 0x2545f491, counter: 0 };

/**
 * Seeds every random op (initialisation, dropout, shuffling): the same seed gives the
 * same numbers on every backend.
 */
export function manualSeed(seed: number): void {
  state.seed = mix32(Math.trunc(seed) >>> 0);
  state.counter = 0;
}

/** Takes the next key pair from the global generator (one per random op call). */
export function nextKey(): [number, number] {
  const key: [number, number] = [state.seed, mix32(state.counter ^ 0x5bd1e995)];
  state.counter = (state.counter + 1) >>> 0;
  return key;
}

/** Snapshot of the global generator, for checkpoints. */
export function getRngState(): RngState {
  return { ...state };
}

/** Restores a snapshot taken with `getRngState`. */
export function setRngState(s: RngState): void {
  state.seed = s.seed >>> 0;
  state.counter = s.counter >>> 0;
}
