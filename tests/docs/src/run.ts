/**
 * Runs the README blocks marked `<!-- docs-test: run -->` as programs, in a temporary
 * folder whose node_modules is this package's (so they import the built packages).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { BlockSource } from './check.js';

/** What a block printed; `code` is its exit status. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh folder for programs, with `node_modules` linked to this package's. */
export function runFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-docs-test-'));
  symlinkSync(fileURLToPath(new URL('../node_modules', import.meta.url)), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  return dir;
}

/** Strips the types of a block (with its imports and context) and runs it with node. */
export function runBlock(src: BlockSource, dir: string, timeoutMs = 120_000): Promise<RunResult> {
  const js = ts.transpileModule(src.text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = join(dir, `${src.block.file.replace(/[^\w]+/g, '_')}_L${src.block.line}.mjs`);
  writeFileSync(file, js);
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: dir, timeout: timeoutMs, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
