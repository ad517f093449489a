import { ModelConfigError } from '../errors.js';

/** How the next token is chosen from a distribution of logits. */
export interface SamplingOptions {
  /** Divide the logits by this before the softmax (default 1; lower = more conservative). */
  readonly temperature?: number;
  /** Sample only among the k most likely tokens (default: all). */
  readonly topK?: number;
  /** Take the most likely token (argmax) instead of sampling (default false). */
  readonly greedy?: boolean;
}

/** Throws a `ModelConfigError` naming `who` unless the sampling options are usable. */
export function checkSampling(who: string, opts: SamplingOptions): void {
  const { temperature = 1, topK } = opts;
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new ModelConfigError(
      who,
      `temperature must be a positive number but got ${temperature}`,
      'Use e.g. 0.8 (conservative) to 1.2 (adventurous), or greedy: true for argmax.',
    );
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1))
    throw new ModelConfigError(who, `topK must be a positive integer but got ${topK}`, 'Leave it out to sample from every token.');
}

/**
 * Picks a token id from one row of logits: argmax when `greedy`, else a draw (with the
 * uniform number `u` in [0, 1)) from softmax(logits / temperature) restricted to the top k.
 * Ties in argmax go to the lower id.
 */
export function pickToken(logits: ArrayLike<number>, opts: SamplingOptions, u: number): number {
  const n = logits.length;
  let best = 0;
  for (let i = 1; i < n; i++) if (logits[i]! > logits[best]!) best = i;
  if (opts.greedy) return best;
  const t = opts.temperature ?? 1;
  let ids = Array.from({ length: n }, (_, i) => i);
  if (opts.topK !== undefined && opts.topK < n) ids = ids.sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, opts.topK);
  const m = logits[best]!;
  const w = ids.map((i) => Math.exp((logits[i]! - m) / t));
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  const target = u * total;
  for (let j = 0; j < ids.length; j++) {
    acc += w[j]!;
    if (target < acc) return ids[j]!;
  }
  return ids[ids.length - 1]!;
}
