/**
 * The docs test: every ```ts / ```js block of the root README, the packages' and the
 * examples' READMEs is type-checked (strict, noUncheckedIndexedAccess, ES2022 + DOM, Node
 * types) against the built packages, and the blocks marked `<!-- docs-test: run -->` run
 * and must print nothing on stderr (no stray notices from the library) but core's one-line
 * note when `init()` falls back from WebGPU.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReadmes, readmes } from '../src/check.js';
import { extractBlocks, DocsTestCommentError } from '../src/extract.js';
import { runBlock, runFolder } from '../src/run.js';

const { sources, diagnostics, skipped } = checkReadmes();
const folder = runFolder();
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('README code blocks type-check', () => {
  it('finds the blocks of every README (and says why any is skipped)', () => {
    expect(readmes()).toContain('packages/core/README.md');
    expect(sources.length).toBeGreaterThan(50);
    for (const b of skipped) expect(b.skip, `${b.file}:${b.line}`).toMatch(/\w{3,}/);
  });
  for (const readme of readmes()) {
    it(readme, () => {
      const errors = diagnostics.filter((d) => d.readme === readme || !d.readme.endsWith('README.md')).map((d) => `${d.readme}:${d.line} ${d.message}`);
      expect(errors).toEqual([]);
    });
  }
});

describe('runnable README blocks run quietly', () => {
  const runnable = sources.filter((s) => s.block.run);
  it('there are runnable blocks', () => expect(runnable.length).toBeGreaterThanOrEqual(3));
  for (const src of runnable) {
    it(`${src.block.file}:${src.block.line}`, async () => {
      const r = await runBlock(src, folder);
      // The one line core prints when `init()` falls back (no GPU here) is the only output allowed.
      const fallback = /^\[tessera\] backend '[\w-]+' failed to start: .*; falling back to '[\w-]+'\.$/;
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines.filter((l) => !fallback.test(l)), 'stderr').toEqual([]);
      expect(lines.length, 'fallback notes').toBeLessThanOrEqual(1);
      expect(r.code, `exit status; stdout:\n${r.stdout}`).toBe(0);
    });
  }
});

describe('the extractor', () => {
  it('reads fences, languages and docs-test comments, and resets them at text', () => {
    const md = [
      '<!-- docs-test: run -->', '```ts', 'a();', '```',
      'text', '<!-- docs-test: context', 'const x = 1;', '-->', '', '```js', 'b(x);', '```',
      '<!-- docs-test: skip it is pseudo-code -->', '```typescript', 'c…', '```',
      '<!-- docs-test: run -->', 'words', '```ts', 'd();', '```', '```sh', 'ls', '```',
    ].join('\n');
    const blocks = extractBlocks('X.md', md);
    expect(blocks.map((b) => [b.line, b.lang, b.code, b.context, b.run, b.skip])).toEqual([
      [2, 'ts', 'a();', '', true, null],
      [10, 'js', 'b(x);', 'const x = 1;', false, null],
      [14, 'ts', 'c…', '', false, 'it is pseudo-code'],
      [19, 'ts', 'd();', '', false, null],
    ]);
  });
  it('refuses an unknown docs-test comment, naming the file and line', () => {
    expect(() => extractBlocks('Y.md', 'x\n<!-- docs-test: runn -->\n```ts\n```')).toThrow(DocsTestCommentError);
    expect(() => extractBlocks('Y.md', 'x\n<!-- docs-test: runn -->\n```ts\n```')).toThrow(/Y\.md:2/);
  });
});
