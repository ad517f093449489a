import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { cpu } from '@tessera/backend-cpu';
import { manualSeed, randn, tensor, use } from '@tessera/core';
import { crossEntropyLoss, loadModel } from '@tessera/layers';
import { CharGPT, LSTMAttentionSeq2Seq, registerZoo } from '@tessera/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveLoss } from '../src/index.js';
import { type TrainingEvent, startTraining } from '../src/worker.js';

// Real worker threads running the built package (dist/worker.js): text models of the registry trained by name.
const SCRIPT = fileURLToPath(new URL('./fixtures/train-worker.mjs', import.meta.url));
let worker: Worker;

beforeAll(() => {
  use(cpu());
  registerZoo();
  worker = new Worker(SCRIPT);
});
afterAll(async () => {
  await worker?.terminate();
});

/** Token rows padded with 0 to `width`, as an int32 payload [rows, width]. */
function ids(rows: readonly (readonly number[])[], width: number): { data: Int32Array; shape: number[] } {
  const data = new Int32Array(rows.length * width);
  rows.forEach((r, i) => data.set(r, i * width));
  return { data, shape: [rows.length, width] };
}

async function run(job: ReturnType<typeof startTraining>): Promise<TrainingEvent[]> {
  const out: TrainingEvent[] = [];
  for await (const e of job.events) out.push(e);
  return out;
}

describe('text models in the training worker', () => {
  it("'tokenCrossEntropy' is the mean cross-entropy over the tokens that are not padding (id 0)", async () => {
    manualSeed(1);
    const logits = randn([2, 3, 5]);
    const target = tensor(new Int32Array([1, 4, 0, 2, 0, 0]), { shape: [2, 3], dtype: 'int32' });
    const got = await resolveLoss('tokenCrossEntropy')(logits, target).item();
    const rows = tensor(new Int32Array([0, 1, 3]), { dtype: 'int32' });
    const want = await crossEntropyLoss(logits.reshape([6, 5]).indexSelect(0, rows), tensor(new Int32Array([1, 4, 2]), { dtype: 'int32' })).item();
    expect(got).toBeCloseTo(want, 6);
  });

  it('char-gpt by name ({ name, text }) learns a tiny language from [input, next-token] arrays', async () => {
    // "abcabc…" names: <bos>=1 then tokens 4..6, <eos>=2; the next character is always determined.
    const seqs = Array.from({ length: 48 }, (_, i) => [4, 5, 6, 4, 5, 6].slice(0, 2 + (i % 5)));
    const input = ids(seqs.map((s) => [1, ...s]), 8);
    const target = ids(seqs.map((s) => [...s, 2]), 8);
    const job = startTraining(worker, {
      model: { name: 'char-gpt', text: { srcVocabSize: 7, blockSize: 8, dModel: 16, layers: 1 } },
      data: { x: input, y: target }, optimizer: { name: 'adam', options: { lr: 0.01 } }, loss: 'tokenCrossEntropy', metrics: [],
      epochs: 12, batchSize: 16, seed: 1, compile: false,
    });
    const events = await run(job);
    const result = await job.result;
    const ready = events[0] as Extract<TrainingEvent, { type: 'ready' }>;
    expect(ready.trainExamples).toBe(48);
    const loss = result.history.history.loss!;
    expect(loss[0]).toBeGreaterThan(1);
    expect(loss.at(-1)!).toBeLessThan(loss[0]! / 3);
    expect(loadModel(result.weights)).toBeInstanceOf(CharGPT);
  }, 120_000);

  it('g2p-lstm-attention by name trains on two inputs ([src, tgtIn] → tgtOut), masks derived from padding', async () => {
    // Copy task: target = source; tokens 3..6, padding 0, <bos> 1, <eos> 2.
    const src = Array.from({ length: 32 }, (_, i) => [3 + (i % 4), 3 + ((i >> 2) % 4), 3 + ((i >> 4) % 4)].slice(0, 2 + (i % 2)));
    const job = startTraining(worker, {
      model: { name: 'g2p-lstm-attention', text: { srcVocabSize: 7, tgtVocabSize: 7, blockSize: 5, dModel: 16, layers: 1 } },
      data: { x: [ids(src, 3), ids(src.map((s) => [1, ...s]), 4)], y: ids(src.map((s) => [...s, 2]), 4) },
      validationData: { x: [ids(src.slice(0, 8), 3), ids(src.slice(0, 8).map((s) => [1, ...s]), 4)], y: ids(src.slice(0, 8).map((s) => [...s, 2]), 4) },
      optimizer: { name: 'adam', options: { lr: 0.02 } }, loss: 'tokenCrossEntropy', metrics: [], epochs: 15, batchSize: 8, seed: 2, compile: false,
    });
    const events = await run(job);
    const result = await job.result;
    expect(events.some((e) => e.type === 'validation')).toBe(true);
    const h = result.history.history;
    expect(h.loss!.at(-1)!).toBeLessThan(h.loss![0]! / 2);
    expect(h.val_loss!.at(-1)!).toBeLessThan(h.val_loss![0]!);
    expect(loadModel(result.weights)).toBeInstanceOf(LSTMAttentionSeq2Seq);
  }, 120_000);

  it('a text model spec with a wrong input count is a clear error', async () => {
    const job = startTraining(worker, {
      model: { name: 'char-gpt', text: { srcVocabSize: 7, blockSize: 4 } },
      data: { x: [ids([[1, 2]], 4)], y: ids([[1], [2]], 4) }, optimizer: { name: 'adam' }, loss: 'tokenCrossEntropy', metrics: [], epochs: 1, batchSize: 2,
    });
    await expect(job.result).rejects.toThrow(/data\.x\[0\] has 1 rows but data\.y has 2/);
  }, 60_000);
});
