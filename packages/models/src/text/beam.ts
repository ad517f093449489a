import { type Tensor, logSoftmax, noGrad, tensor, tidy } from '@tessera/core';
import { ModelConfigError } from '../errors.js';
import type { Seq2SeqDecoder } from './seq2seq.js';

/** Options of {@link beamSearch}. */
export interface BeamSearchOptions {
  /** Hypotheses kept per source (default 5; 1 is greedy decoding). */
  readonly beamSize?: number;
  /** Most target tokens, `<eos>` excluded (default 50). */
  readonly maxLength?: number;
  /** Final ranking by log-probability / length^α (default 0: plain log-probability). */
  readonly lengthPenalty?: number;
  /** Id fed first (default 1, `Vocab.BOS`). */
  readonly bosId?: number;
  /** Id that ends a hypothesis (default 2, `Vocab.EOS`). */
  readonly eosId?: number;
}

/** One decoded sequence. */
export interface Hypothesis {
  /** Token ids, `<eos>` excluded. */
  readonly tokens: readonly number[];
  /** Sum of the tokens' log-probabilities (`<eos>` included when it ended). */
  readonly logProb: number;
  /** Whether it ended with `<eos>` (false: cut at maxLength). */
  readonly finished: boolean;
}

interface Beam {
  readonly tokens: number[];
  readonly logProb: number;
  readonly finished: boolean;
}

/** Frees the tensors of `before` that `after` does not hold. */
function release(before: readonly Tensor[], after: readonly Tensor[]): void {
  const kept = new Set(after);
  for (const t of before) if (!kept.has(t)) t.dispose();
}

/**
 * Beam search over any {@link Seq2SeqDecoder}, all sources and beams in one batch of N·K
 * rows: each step extends every live beam by every token, keeps the K best by
 * log-probability per source (finished beams compete with their final score), and reorders
 * the decoder state with `select`. Returns each source's K hypotheses, best first (ranked by
 * logProb / length^lengthPenalty). Puts the model in eval mode; records no gradients.
 *
 * @example
 * const [best] = (await beamSearch(model, b.src, b.srcPaddingMask, { beamSize: 5 }))[0]!;
 * phones.decode(best.tokens).join(' ');
 */
export async function beamSearch<S>(
  model: Seq2SeqDecoder<S>,
  src: Tensor,
  srcPaddingMask: Tensor,
  opts: BeamSearchOptions = {},
): Promise<Hypothesis[][]> {
  const { beamSize: k = 5, maxLength = 50, lengthPenalty = 0, bosId = 1, eosId = 2 } = opts;
  if (!Number.isInteger(k) || k < 1)
    throw new ModelConfigError(
      'beamSearch',
      `beamSize must be a positive integer but got ${k}`,
      'Use 1 for greedy decoding, 4–10 for beam search.',
    );
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new ModelConfigError(
      'beamSearch',
      `maxLength must be a positive integer but got ${maxLength}`,
      'Pass the longest target you expect (e.g. 50).',
    );
  model.eval();
  const n = src.shape[0]!;
  const rowsOf = (f: (i: number, j: number) => number) =>
    tensor(
      Int32Array.from({ length: n * k }, (_, r) => f(Math.floor(r / k), r % k)),
      { dtype: 'int32' },
    );
  let state = noGrad(() => {
    const first = model.start(src, srcPaddingMask);
    if (k === 1) return first;
    const expanded = tidy(() => model.select(first, rowsOf((i) => i)));
    release(model.stateTensors(first), model.stateTensors(expanded));
    return expanded;
  });
  let beams: Beam[] = Array.from({ length: n * k }, (_, r) => ({ tokens: [], logProb: r % k === 0 ? 0 : -Infinity, finished: false }));
  let feed = Array.from({ length: n * k }, () => bosId);
  try {
    for (let t = 0; t < maxLength && beams.some((b) => !b.finished && b.logProb > -Infinity); t++) {
      const out = noGrad(() => tidy(() => {
        const { logits, state: next } = model.step(state, tensor(Int32Array.from(feed), { dtype: 'int32' }));
        return { logp: logSoftmax(logits.cast('float32'), -1), state: next };
      }));
      release(model.stateTensors(state), model.stateTensors(out.state));
      state = out.state;
      const v = out.logp.shape[1]!;
      const logp = (await out.logp.data()) as Float32Array;
      out.logp.dispose();
      const parents: number[] = [];
      const nextBeams: Beam[] = [];
      for (let i = 0; i < n; i++) {
        const cands: { parent: number; token: number; logProb: number }[] = [];
        for (let j = 0; j < k; j++) {
          const r = i * k + j;
          const b = beams[r]!;
          if (b.logProb === -Infinity) continue;
          if (b.finished) {
            cands.push({ parent: r, token: -1, logProb: b.logProb });
            continue;
          }
          const row = logp.subarray(r * v, (r + 1) * v);
          for (const tok of topIndices(row, k)) cands.push({ parent: r, token: tok, logProb: b.logProb + row[tok]! });
        }
        cands.sort((a, b) => b.logProb - a.logProb);
        for (let j = 0; j < k; j++) {
          const c = cands[j];
          if (!c) {
            parents.push(i * k);
            nextBeams.push({ tokens: [], logProb: -Infinity, finished: true });
            continue;
          }
          const p = beams[c.parent]!;
          parents.push(c.parent);
          if (c.token === -1) nextBeams.push(p);
          else if (c.token === eosId) nextBeams.push({ tokens: p.tokens, logProb: c.logProb, finished: true });
          else nextBeams.push({ tokens: [...p.tokens, c.token], logProb: c.logProb, finished: false });
        }
      }
      beams = nextBeams;
      feed = beams.map((b) => (b.finished || b.tokens.length === 0 ? (b.finished ? 0 : bosId) : b.tokens[b.tokens.length - 1]!));
      if (k > 1) {
        const reordered = noGrad(() => tidy(() => model.select(state, tensor(Int32Array.from(parents), { dtype: 'int32' }))));
        release(model.stateTensors(state), model.stateTensors(reordered));
        state = reordered;
      }
    }
  } finally {
    for (const t of model.stateTensors(state)) t.dispose();
  }
  const rank = (b: Beam) => (lengthPenalty === 0 ? b.logProb : b.logProb / Math.pow(b.tokens.length + (b.finished ? 1 : 0), lengthPenalty));
  return Array.from({ length: n }, (_, i) =>
    beams
      .slice(i * k, (i + 1) * k)
      .filter((b) => b.logProb > -Infinity)
      .sort((a, b) => rank(b) - rank(a))
      .map((b) => ({ tokens: b.tokens, logProb: b.logProb, finished: b.finished })),
  );
}

/**
 * Greedy decoding (beam search with one beam): the most likely token at every step.
 * Returns each source's token ids, `<eos>` excluded.
 */
export async function greedyDecode<S>(
  model: Seq2SeqDecoder<S>,
  src: Tensor,
  srcPaddingMask: Tensor,
  opts: Omit<BeamSearchOptions, 'beamSize' | 'lengthPenalty'> = {},
): Promise<number[][]> {
  const hyps = await beamSearch(model, src, srcPaddingMask, { ...opts, beamSize: 1 });
  return hyps.map((h) => [...h[0]!.tokens]);
}

/** The indices of the k largest values (ties to the lower index), largest first. */
function topIndices(row: Float32Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < row.length; i++) {
    if (idx.length < k) {
      idx.push(i);
      idx.sort((a, b) => row[b]! - row[a]! || a - b);
    } else if (row[i]! > row[idx[k - 1]!]!) {
      idx[k - 1] = i;
      idx.sort((a, b) => row[b]! - row[a]! || a - b);
    }
  }
  return idx;
}
