import { type Tensor, nextKey, noGrad, tensor, tidy, uniformAt } from '@tessera/core';
import { ModelConfigError } from '../errors.js';
import { checkSampling, pickToken, type SamplingOptions } from './sample.js';

/** A model that maps token ids [N, L] to next-token logits [N, L, V] with a context limit. */
export interface TokenModel {
  readonly blockSize: number;
  call(ids: Tensor): Tensor;
  eval(): unknown;
}

/** Options of {@link generateTokens}. */
export interface GenerateOptions extends SamplingOptions {
  /** Sequences to generate from the same prompt (default 1). */
  readonly numSamples?: number;
  /** Most tokens to add (default: the model's blockSize). */
  readonly maxNewTokens?: number;
  /** The token that ends a sequence (not returned; default 2, `Vocab.EOS`). */
  readonly stopToken?: number;
}

/**
 * Continues `prompt` (token ids, usually starting with `<bos>`) autoregressively:
 * `numSamples` sequences, each until `stopToken` or `maxNewTokens`, cropping the context to
 * the model's last `blockSize` tokens. Sampling uses the global seeded generator
 * (`manualSeed` makes it reproducible); `greedy: true` is deterministic. Puts the model in
 * eval mode. Returns the new tokens of each sample (stop token excluded).
 *
 * @example
 * manualSeed(1);
 * const ids = await generateTokens(gpt, [Vocab.BOS], { numSamples: 10, temperature: 0.8, topK: 10 });
 * ids.map((s) => vocab.decode(s).join(''));
 */
export async function generateTokens(model: TokenModel, prompt: readonly number[], opts: GenerateOptions = {}): Promise<number[][]> {
  checkSampling('generateTokens', opts);
  const { numSamples = 1, maxNewTokens = model.blockSize, stopToken = 2 } = opts;
  if (prompt.length === 0)
    throw new ModelConfigError('generateTokens', 'the prompt is empty', 'Start it with the <bos> id (Vocab.BOS = 1).');
  if (!Number.isInteger(numSamples) || numSamples < 1 || !Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
    throw new ModelConfigError(
      'generateTokens',
      `numSamples (${numSamples}) and maxNewTokens (${maxNewTokens}) must be positive integers`,
      'Pass e.g. { numSamples: 10, maxNewTokens: 20 }.',
    );
  }
  model.eval();
  const [k0, k1] = nextKey();
  const seqs = Array.from({ length: numSamples }, () => [...prompt]);
  const out: number[][] = Array.from({ length: numSamples }, () => []);
  const done = new Array<boolean>(numSamples).fill(false);
  let draw = 0;
  for (let step = 0; step < maxNewTokens && done.includes(false); step++) {
    const ctx = seqs.map((s) => s.slice(-model.blockSize));
    const len = ctx[0]!.length;
    const last = noGrad(() =>
      tidy(() => {
        const ids = tensor(Int32Array.from(ctx.flat()), { shape: [numSamples, len], dtype: 'int32' });
        return model.call(ids).narrow(1, len - 1, 1).reshape([numSamples, -1]).cast('float32');
      }),
    );
    const v = last.shape[1]!;
    const logits = (await last.data()) as Float32Array;
    last.dispose();
    for (let i = 0; i < numSamples; i++) {
      const u = uniformAt(k0, k1, draw++);
      if (done[i]) {
        seqs[i]!.push(stopToken); // keeps the batch rectangular; never read
        continue;
      }
      const t = pickToken(logits.subarray(i * v, (i + 1) * v), opts, u);
      seqs[i]!.push(t);
      if (t === stopToken) done[i] = true;
      else out[i]!.push(t);
    }
  }
  return out;
}
