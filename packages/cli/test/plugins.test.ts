import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './helpers.js';

const PLUGIN = fileURLToPath(new URL('./fixtures/glyph-plugin.mjs', import.meta.url));

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

  it('a plugin that cannot be loaded, or has no register(), is a usage error naming it', async () => {
    const io = captureIo({ TESSERA_PLUGINS: './no-such-plugin.mjs' });
    expect(await main(['info'], io)).toBe(2);
    expect(io.text()).toMatch(/TESSERA_PLUGINS: cannot load '\.\/no-such-plugin\.mjs'/);
    const bare = captureIo({ TESSERA_PLUGINS: fileURLToPath(new URL('./helpers.ts', import.meta.url)) });
    expect(await main(['info'], bare)).toBe(2);
    expect(bare.text()).toMatch(/exports no register\(\) function/);
  });
});
