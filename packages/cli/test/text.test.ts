import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { bigramBaseline } from '../src/text/lm.js';
import { textModelOf } from '../src/text/common.js';
import { captureIo } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-text-'));
// Real formats: a name list (one per line) and CMUdict lines (WORD  PH…, WORD(1) variants).
const names = ['anna', 'anne', 'annie', 'hanna', 'hannah', 'jo', 'joan', 'joanna', 'joanne', 'john', 'jon', 'jonah', 'nan', 'nana', 'noah', 'ona'];
writeFileSync(join(dir, 'names.txt'), `${names.map((n) => n[0]!.toUpperCase() + n.slice(1)).join('\n')}\n`);
const cmu = [
  'CAT  K AE1 T', 'CATS  K AE1 T S', 'BAT  B AE1 T', 'BATS  B AE1 T S', 'TAB  T AE1 B', 'TABS  T AE1 B Z', 'SAT  S AE1 T', 'AT  AE1 T',
  'TAT  T AE1 T', 'STAB  S T AE1 B', 'BASS  B AE1 S', 'CAB  K AE1 B', 'CABS  K AE1 B Z', 'SCAT  S K AE1 T', 'ACT  AE1 K T', 'ACTS  AE1 K T S',
  'TACT  T AE1 K T', 'BAS  B AE1 Z', 'BAS(1)  B AA1 Z', 'ABS  AE1 B Z',
];
writeFileSync(join(dir, 'cmudict.txt'), `;;; test lines\n${cmu.join('\n')}\n`);

describe('tessera train (text models) and generate', () => {
  it('recognises text models on the command line', () => {
    expect(textModelOf(['--model', 'char-gpt'])).toBe('char-gpt');
    expect(textModelOf(['--epochs', '1', '--model=g2p-transformer'])).toBe('g2p-transformer');
    expect(textModelOf(['--model', 'mlp'])).toBeUndefined();
  });

  it('char-gpt on a name list: bigram baseline, nats/char, checkpoint; generate samples names', async () => {
    const out = join(dir, 'lm');
    const io = captureIo();
    const code = await main(['train', '--model', 'char-gpt', '--dataset', 'names', '--data-file', join(dir, 'names.txt'), '--epochs', '2', '--batch-size', '8', '--d-model', '16', '--layers', '1', '--backend', 'cpu', '--out', out], io);
    expect(io.text()).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(io.text()).toMatch(/bigram baseline \(add-[\d.]+\): validation [\d.]+, test [\d.]+ nats\/char/);
    expect(io.text()).toMatch(/epoch 2\/2 {2}train loss [\d.]+ {2}validation [\d.]+ nats\/char/);
    const run = JSON.parse(readFileSync(join(out, 'text-run.json'), 'utf8')) as { metrics: Record<string, unknown>; srcVocab: { tokens: string[] } };
    expect(run.metrics.testNatsPerChar).toBeGreaterThan(0);
    expect(run.metrics.samples).toHaveLength(10);
    expect(run.srcVocab.tokens).toContain('j');
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    const gen = captureIo();
    expect(await main(['generate', '--checkpoint', out, '--num', '4', '--prompt', 'Jo', '--top-k', '3', '--seed', '1'], gen)).toBe(0);
    expect(gen.lines).toHaveLength(4);
    for (const l of gen.lines) expect(l.startsWith('jo')).toBe(true);
    const again = captureIo();
    await main(['generate', '--checkpoint', out, '--num', '4', '--prompt', 'Jo', '--top-k', '3', '--seed', '1'], again);
    expect(again.lines).toEqual(gen.lines);
  }, 120_000);

  it('g2p-lstm-attention on a CMUdict file: PER/WER on validation and test; generate pronounces words', async () => {
    const out = join(dir, 'g2p');
    const io = captureIo();
    const code = await main(['train', '--model', 'g2p-lstm-attention', '--data-file', join(dir, 'cmudict.txt'), '--epochs', '1', '--batch-size', '8', '--d-model', '16', '--layers', '1', '--beam-size', '2', '--backend', 'cpu', '--out', out], io);
    expect(io.text()).not.toMatch(/error/);
    expect(code).toBe(0);
    expect(io.text()).toMatch(/validation PER [\d.]+% WER [\d.]+% \(greedy, 1 words\)/);
    expect(io.text()).toMatch(/test \(1 words\): greedy PER [\d.]+% WER [\d.]+%; beam 2 PER/);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    const gen = captureIo();
    expect(await main(['generate', '--checkpoint', out, 'cat', 'tabs'], gen)).toBe(0);
    expect(gen.lines).toHaveLength(2);
    expect(gen.lines[0]).toMatch(/^CAT {2}/);
  }, 120_000);

  it('g2p-transformer trains on length-bucketed batches (--bucket N windows) or plain shuffled ones (--bucket 0)', async () => {
    for (const bucket of ['2', '0']) {
      const io = captureIo();
      const args = ['train', '--model', 'g2p-transformer', '--data-file', join(dir, 'cmudict.txt'), '--epochs', '1', '--batch-size', '4'];
      const code = await main([...args, '--d-model', '8', '--layers', '1', '--beam-size', '1', '--bucket', bucket, '--backend', 'cpu', '--out', join(dir, `g2p-b${bucket}`)], io);
      expect(io.text()).not.toMatch(/error/);
      expect(code).toBe(0);
      expect(io.text()).toMatch(/epoch 1\/1 {2}train loss [\d.]+ {2}validation PER/);
    }
    const bad = captureIo();
    expect(await main(['train', '--model', 'g2p-transformer', '--data-file', join(dir, 'cmudict.txt'), '--bucket', '-1', '--out', join(dir, 'g2p-bad')], bad)).not.toBe(0);
    expect(bad.text()).toMatch(/--bucket/);
  }, 120_000);

  it('refuses a model on the wrong dataset, a used --out, and generate without a run', async () => {
    const io = captureIo();
    expect(await main(['train', '--model', 'char-gpt', '--dataset', 'cmudict'], io)).toBe(2);
    expect(io.text()).toMatch(/model 'char-gpt' is made for dataset 'names' \(a language-model model\), not 'cmudict' \(a sequence-to-sequence corpus\); use --dataset names/);
    const used = captureIo();
    expect(await main(['train', '--model', 'char-gpt', '--data-file', join(dir, 'names.txt'), '--out', join(dir, 'lm')], used)).toBe(2);
    expect(used.text()).toMatch(/already holds a run .* --force/);
    const gen = captureIo();
    expect(await main(['generate', '--checkpoint', dir], gen)).toBe(1);
    expect(gen.text()).toMatch(/text-run\.json: cannot be read/);
    const help = captureIo();
    expect(await main(['train', '--model', 'char-gpt', '--help'], help)).toBe(0);
    expect(help.text()).toMatch(/--beam-size/);
  }, 120_000);
});

describe('bigram baseline', () => {
  it('is the add-k smoothed count model, k chosen on validation', () => {
    // vocab: 0 pad, 1 bos, 2 eos, 3 unk, 4, 5; train: "4", "4", "5"
    const b = bigramBaseline(6, [[4], [4], [5]], [[4]]);
    const support = 4; // eos, unk, 4, 5
    const p = (c: number, total: number) => (c + b.k) / (total + b.k * support);
    // "4": bos→4 (2 of 3), 4→eos (2 of 2)
    expect(b.nll([[4]])).toBeCloseTo(-(Math.log(p(2, 3)) + Math.log(p(2, 2))) / 2, 12);
    expect(b.k).toBe(0.01); // validation "4" is seen: the least smoothing wins
    const c = bigramBaseline(6, [[4], [4], [5]], [[5, 5]]); // an unseen bigram 5→5 needs more smoothing
    expect(c.k).toBeGreaterThan(0.01);
  });
});
