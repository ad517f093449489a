import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DECK_DEFAULTS, parseDeckArgs } from '../src/compiled/deck-args.js';

describe('scripts/deck-mnist.ts', () => {
  it("defaults to the deck's measure and parses its options", () => {
    expect(parseDeckArgs([])).toEqual({ backend: 'webgpu', epochs: 10, batches: 600, compile: true, mlp: true });
    expect(parseDeckArgs(['--epochs', '1', '--batches=5', '--backend=null', '--compile=false', '--no-mlp'])).toEqual({
      ...DECK_DEFAULTS, epochs: 1, batches: 5, backend: 'null', compile: false, mlp: false,
    });
    expect(() => parseDeckArgs(['--epochs=0'])).toThrow(/positive integer/);
    expect(() => parseDeckArgs(['--backend=cuda'])).toThrow(/webgpu, null or cpu/);
    expect(() => parseDeckArgs(['--fast'])).toThrow(/unknown argument/);
  });

  it('runs with tiny options on the CPU backend (output only, no timing checked)', () => {
    const bench = fileURLToPath(new URL('..', import.meta.url));
    const out = execFileSync('npx', ['tsx', 'scripts/deck-mnist.ts', '--backend=cpu', '--epochs=2', '--batches=1', '--no-mlp'], { cwd: bench, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(out).toMatch(/^deck-mnist on tessera-cpu/);
    expect(out).toMatch(/mnistCnn, batch 100, 2 epoch\(s\) of 100 images, compile true:\n {2}wall [\d.]+ s for the whole fit/);
    expect(out).toMatch(/compiled step: \d+ trace\(s\), \d+ replays/);
  }, 120_000);
});
