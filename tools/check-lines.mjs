#!/usr/bin/env node
// Fails when a source line outside tests is longer than MAX characters: the one rule of the
// repo's lint that Biome cannot check without its formatter (which would rewrite every file).
// Source = tracked .ts/.mts/.mjs/.tsx files, except tests (test/ and tests/ folders, *.test.*,
// fixtures) and generated files (a "generated" marker in their first 5 lines).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 140;
const SOURCE = /\.(ts|mts|mjs|tsx)$/;
const EXCLUDED = [/(^|\/)tests?\//, /\.test\.[cm]?[jt]sx?$/, /(^|\/)fixtures\//, /(^|\/)dist\//];

const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8', maxBuffer: 64 << 20 })
  .split('\0')
  .filter((f) => SOURCE.test(f) && !EXCLUDED.some((re) => re.test(f)));

let long = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the work tree but still in the index
  }
  const lines = text.split('\n');
  if (lines.slice(0, 5).some((l) => /\bgenerated\b/i.test(l))) continue;
  lines.forEach((line, i) => {
    const n = [...line].length; // characters, not UTF-16 units
    if (n > MAX) {
      long++;
      console.error(`${file}:${i + 1}: ${n} characters (at most ${MAX} outside tests; wrap it)`);
    }
  });
}
if (long > 0) {
  console.error(`check-lines: ${long} line(s) longer than ${MAX} characters in ${files.length} source files.`);
  process.exit(1);
}
console.log(`check-lines: ${files.length} source files, no line longer than ${MAX} characters.`);
