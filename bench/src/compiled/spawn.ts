/** Runs a part of the compiled-step section in a child process and reads its result. */
import { spawn } from 'node:child_process';
import type { PartResult } from './types.js';

export type Part = 'null' | 'cpu' | 'webgpu';

/** Marks the child's result line on stdout. */
export const RESULT_PREFIX = 'COMPILED_PART_RESULT ';

/** The PartResult in a child's stdout (its last line starting with RESULT_PREFIX). */
export function parsePartOutput(stdout: string): PartResult {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) throw new Error('the child printed no result line');
  const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as PartResult;
  if (typeof r.backend !== 'string' || !Array.isArray(r.timings) || !Array.isArray(r.memory)) throw new Error('malformed result line');
  return r;
}

/** The flag that makes the bench's entry run one part (see child.ts). */
export const CHILD_FLAG = '--compiled-part';

/**
 * `node <this process's loader flags (tsx)> <this entry> --compiled-part part ...flags`;
 * stderr (progress) passes through. A child that fails gives `{ unavailable: why }`.
 */
export function runPart(part: Part, flags: readonly string[]): Promise<PartResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], CHILD_FLAG, part, ...flags], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const fail = (why: string) => resolve({ backend: part, unavailable: why, timings: [], memory: [], load: [] });
    child.on('error', (e) => fail(e.message));
    child.on('close', (code) => {
      try {
        resolve(parsePartOutput(out));
      } catch (e) {
        fail(`child exited with ${code}: ${(e as Error).message}`);
      }
    });
  });
}
