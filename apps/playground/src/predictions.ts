/** Reading a classifier's output: the class of each row, probabilities, accuracy. */
import type { ArrayPayload } from 'tessera/worker';

/** The highest-scoring class of each row of a [N, K] output. */
export function argmaxRows(p: ArrayPayload): Int32Array {
  const [n, k] = p.shape;
  return Int32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (p.data[i * k + j] > p.data[i * k + best]) best = j;
    return best;
  });
}

/** Softmax of one row of logits. */
export function softmax(logits: ArrayLike<number>): Float32Array {
  const max = Math.max(...Array.from(logits));
  const e = Float32Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** The fraction of predictions equal to their labels (0 for none). */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) right++;
  return labels.length === 0 ? 0 : right / labels.length;
}
