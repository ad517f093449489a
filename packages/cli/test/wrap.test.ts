import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from '../src/index.js';
import { wrap } from '../src/wrap.js';
import { captureIo } from './helpers.js';

describe('wrap', () => {
  it('wraps at word boundaries to the width, continuation lines indented', () => {
    const text = 'Note: ' + 'lorem ipsum dolor sit amet '.repeat(12);
    const lines = wrap(text, 50).split('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(50);
    expect(lines[0]).toMatch(/^Note: lorem/);
    for (const l of lines.slice(1)) expect(l).toMatch(/^ {2}\S/);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toBe(text.trim());
  });

  it('defaults to 80 columns, never goes below 40, and keeps a long word whole', () => {
    const text = 'word '.repeat(60);
    expect(Math.max(...wrap(text).split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(Math.max(...wrap(text, 10).split('\n').map((l) => l.length))).toBeGreaterThan(30);
    const path = '/a/very/long/path/'.repeat(6);
    expect(wrap(`see ${path} now`, 40).split('\n')).toEqual(['see', `  ${path}`, '  now']);
    expect(wrap('short', 80)).toBe('short');
  });
});

describe('the offline-MNIST note', () => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-note-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is wrapped to the terminal width', async () => {
    const io = { ...captureIo({ TESSERA_OFFLINE: '1' }), columns: 60 };
    const empty = join(out, 'no-data');
    await train(['--model', 'mlp', '--dataset', 'mnist', '--data-dir', empty, '--epochs', '1', '--limit', '100', '--batch-size', '50', '--backend', 'cpu', '--out', join(out, 'run')], io);
    const note = io.errors.find((l) => l.startsWith('Note: full MNIST is not available'));
    expect(note).toBeDefined();
    const lines = note!.split('\n');
    expect(lines.length).toBeGreaterThan(3);
    // Only a single word too long for a line (the data folder's path) may run past it.
    for (const l of lines) if (l.trim().includes(' ')) expect(l.length).toBeLessThanOrEqual(60);
    expect(note).toMatch(/using the bundled real\s+sample/);
  });
});
