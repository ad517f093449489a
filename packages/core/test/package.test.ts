import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The entry point registers the primitive ops and wires autograd when it loads. With
// `"sideEffects": false` bundlers (Rollup/Vite, webpack, esbuild) drop that code, since the
// entry only re-exports, and apps fail with "autograd used before core finished loading".
describe('package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { sideEffects: unknown; exports: Record<string, { import?: string }> };

  it('marks the entry point as having side effects, so bundlers keep its registrations', () => {
    expect(Array.isArray(pkg.sideEffects)).toBe(true);
    expect(pkg.sideEffects).toContain(pkg.exports['.'].import);
  });

  it('the entry point does register at load time (the reason for the flag)', () => {
    const src = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8');
    expect(src).toMatch(/^setAutogradDeps\(/m);
    expect(src).toMatch(/^\s*registerOp\(/m);
  });
});
