import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './helpers.js';

const PLUGIN = fileURLToPath(new URL('./fixtures/glyph-plugin.mjs', import.meta.url));
const TEXT_PLUGIN = fileURLToPath(new URL('./fixtures/text-plugin.mjs', import.meta.url));

describe('TESSERA_PLUGINS: a plugin registers a model and a dataset', () => {
  it('they appear in `tessera train --help` and `tessera info`', async () => {
    const help = captureIo({ TESSERA_OFFLINE: '1', TESSERA_PLUGINS: PLUGIN });
    expect(await main(['train', '--help'], help)).toBe(0);
    expect(help.text()).toMatch(/--model .*\[[^\]]*glyph-net[^\]]*\]/);
    expect(help.text()).toMatch(/--dataset .*\[[^\]]*glyphs[^\]]*\]/);
    const info = captureIo({ TESSERA_OFFLINE: '1', TESSERA_PLUGINS: PLUGIN });
    expect(await main(['info', '--backend', 'cpu'], info)).toBe(0);
    expect(info.text()).toMatch(/model glyph-net\s+flatten, 16 → 8, ReLU, 8 → classes \(plugin model\) \(tessera-plugin-glyphs\)/);
    expect(info.text()).toMatch(/dataset glyphs\s+dark and light 4×4 squares \(plugin dataset\) \(tessera-plugin-glyphs\)/);
    expect(info.text()).toMatch(/model mnist-cnn\s+the classic MNIST CNN/);
  });

  it('`tessera train` trains the plugin model on the plugin dataset', async () => {
    const io = captureIo({ TESSERA_OFFLINE: '1', TESSERA_PLUGINS: PLUGIN });
    const out = join(mkdtempSync(join(tmpdir(), 'tessera-plugin-')), 'run');
    const code = await main(['train', '--model', 'glyph-net', '--dataset', 'glyphs', '--epochs', '3', '--batch-size', '20', '--lr', '0.5', '--backend', 'cpu', '--out', out], io);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/Dataset: Glyphs \(200 train \/ 40 test\) from tessera-plugin-glyphs/);
    expect(io.text()).toMatch(/Test accuracy 100\.00%/);
  });

  it('a plugin text model appears in `tessera train --help` and `tessera info` with its task, and trains on names for a step', async () => {
    const help = captureIo({ TESSERA_PLUGINS: TEXT_PLUGIN });
    expect(await main(['train', '--help'], help)).toBe(0);
    expect(help.text()).toMatch(/--model .*\[[^\]]*\|char-gpt\|[^\]]*bigram-lm[^\]]*\]/);
    expect(help.text()).toMatch(/--dataset .*\[[^\]]*cmudict\|names[^\]]*\]/);
    const textHelp = captureIo({ TESSERA_PLUGINS: TEXT_PLUGIN });
    expect(await main(['train', '--model', 'bigram-lm', '--help'], textHelp)).toBe(0);
    expect(textHelp.text()).toMatch(/--model .*\[char-gpt\|g2p-transformer\|g2p-lstm-attention\|bigram-lm\]/);
    const info = captureIo({ TESSERA_PLUGINS: TEXT_PLUGIN });
    expect(await main(['info', '--backend', 'cpu'], info)).toBe(0);
    expect(info.text()).toMatch(/model bigram-lm\s+embedding 8 → linear: .* \(tessera-plugin-bigram\) — task language-model, default dataset names, reports natsPerChar/);
    expect(info.text()).toMatch(/model g2p-transformer\s+.* — task sequence-to-sequence, default dataset cmudict, reports per\/wer/);
    expect(info.text()).toMatch(/model mnist-cnn\s+the classic MNIST CNN.* — task image-classification/);
    expect(info.text()).toMatch(/dataset names\s+English first names .* — task language-model, licence public domain/);
    expect(info.text()).toMatch(/dataset cmudict\s+CMU Pronouncing Dictionary .* — task sequence-to-sequence, licence BSD-2-Clause/);
    // One epoch of one batch: 40 names of the real corpus (the installed @stdlib packages).
    const io = captureIo({ TESSERA_PLUGINS: TEXT_PLUGIN });
    const out = join(mkdtempSync(join(tmpdir(), 'tessera-text-plugin-')), 'run');
    const code = await main(['train', '--model', 'bigram-lm', '--limit', '40', '--epochs', '1', '--batch-size', '40', '--backend', 'cpu', '--out', out], io);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toMatch(/names: 40 train, \d+ validation, \d+ test sequences/);
    expect(io.text()).toMatch(/epoch 1\/1 {2}train loss [\d.]+ {2}validation [\d.]+ nats\/char/);
    const run = JSON.parse(readFileSync(join(out, 'text-run.json'), 'utf8')) as { model: string; dataset: string; textCase: string };
    expect([run.model, run.dataset, run.textCase]).toEqual(['bigram-lm', 'names', 'lower']);
    const gen = captureIo({ TESSERA_PLUGINS: TEXT_PLUGIN });
    expect(await main(['generate', '--checkpoint', out, '--num', '3', '--prompt', 'An'], gen), gen.text()).toBe(0);
    expect(gen.lines).toHaveLength(3);
    for (const l of gen.lines) expect(l.startsWith('an')).toBe(true);
    // A language model on a sequence-to-sequence corpus is refused with the datasets of its task.
    const wrong = captureIo({ TESSERA_PLUGINS: TEXT_PLUGIN });
    expect(await main(['train', '--model', 'bigram-lm', '--dataset', 'cmudict'], wrong)).toBe(2);
    expect(wrong.text()).toMatch(/model 'bigram-lm' is made for dataset 'names' \(a language-model model\), not 'cmudict' \(a sequence-to-sequence corpus\); use --dataset names/);
  }, 120_000);

  it('a plugin that cannot be loaded, or has no register(), is a usage error naming it', async () => {
    const io = captureIo({ TESSERA_PLUGINS: './no-such-plugin.mjs' });
    expect(await main(['info'], io)).toBe(2);
    expect(io.text()).toMatch(/TESSERA_PLUGINS: cannot load '\.\/no-such-plugin\.mjs'/);
    const bare = captureIo({ TESSERA_PLUGINS: fileURLToPath(new URL('./helpers.ts', import.meta.url)) });
    expect(await main(['info'], bare)).toBe(2);
    expect(bare.text()).toMatch(/exports no register\(\) function/);
  });
});
