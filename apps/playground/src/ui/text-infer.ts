/**
 * Inference for the text tab on the page's own thread: the worker trains, and a snapshot of
 * its model (a model file, `handle.snapshot()`) is loaded here on the CPU backend (one
 * thread: the page may not block) to sample names or to pronounce a word while its
 * attention weights are read step by step. The models are small, so a word takes milliseconds.
 */
import { type Tensor, cpu, init, noGrad, tensor, tidy, use } from 'tessera';
import { data, models, nn } from 'tessera';

let started: Promise<void> | null = null;

/** Starts the page's CPU backend once (the worker has its own). */
export function inferenceBackend(): Promise<void> {
  started ??= (async () => {
    use(cpu({ threads: 1 }));
    await init({ backends: ['cpu'] });
    models.registerZoo();
  })();
  return started;
}

/** The model a snapshot holds (the zoo's classes rebuild it from its recorded config). */
export function modelFromSnapshot(bytes: Uint8Array): nn.AnyModule {
  return nn.loadModel(bytes, { file: 'the training worker’s snapshot' });
}

/** `count` names sampled from `<bos>` (temperature `temperature`). */
export async function sampleNames(model: models.CharGPT, vocab: data.Vocab, count: number, temperature: number): Promise<string[]> {
  const ids = await models.generateTokens(model, [data.Vocab.BOS], {
    numSamples: count,
    temperature,
    maxNewTokens: Math.max(1, model.blockSize - 1),
  });
  return ids.map((t) => vocab.decode(t).join(''));
}

/** A pronunciation and the attention over the letters at each output step. */
export interface Pronunciation {
  readonly letters: readonly string[];
  readonly phones: readonly string[];
  /** weights[t][s]: attention of output step t (phone t, then `<eos>`) on letter s; rows sum to 1. */
  readonly weights: readonly (readonly number[])[];
}

/** Greedy decoding of `word` with an attention seq2seq model, reading `state.weights` after every step. */
export function pronounce(
  model: models.LSTMAttentionSeq2Seq,
  letters: data.Vocab,
  phones: data.Vocab,
  word: string,
  maxLength: number,
): Pronunciation {
  const chars = data.splitChars(word);
  const out: string[] = [];
  const weights: number[][] = [];
  model.eval();
  noGrad(() =>
    tidy(() => {
      const src = tensor(Int32Array.from(letters.encode(chars)), { shape: [1, chars.length], dtype: 'int32' });
      let state = model.start(src, src.equal(data.Vocab.PAD));
      let token = data.Vocab.BOS;
      for (let t = 0; t < maxLength; t++) {
        const step = model.step(state, tensor(Int32Array.of(token), { shape: [1], dtype: 'int32' }));
        state = step.state;
        weights.push(Array.from((state.weights as Tensor).dataSync() as Float32Array));
        token = argmax(step.logits.dataSync() as Float32Array);
        if (token === data.Vocab.EOS) break;
        out.push(phones.decode([token])[0] ?? '?');
      }
    }),
  );
  return { letters: chars, phones: out, weights };
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}
