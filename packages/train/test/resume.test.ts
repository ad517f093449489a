import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { decodeSafetensors } from '@tessera/layers';
import { loadCheckpointFile } from '../src/node.js';

const CHILD = fileURLToPath(new URL('./fixtures/resume-child.mjs', import.meta.url));

beforeAll(() => use(cpu()));

function run(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (onLine) for (const l of d.toString().split('\n')) if (l) onLine(l, () => child.kill('SIGKILL'));
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => (code && code !== 0 ? reject(new Error(`child failed (${code}): ${err}`)) : resolve({ code, signal, out })));
  });
}

const weights = (file: string): Record<string, number[]> =>
  Object.fromEntries(Object.entries(decodeSafetensors(readFileSync(file)).tensors).map(([k, t]) => [k, Array.from(t.dataSync())]));

describe('resume', () => {
  it('a run killed with SIGKILL mid-epoch and resumed ends with exactly the weights of an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-resume-'));
    const fullRun = await run(['full', dir]);
    const killed = await run(['kill', dir, '20']); // epoch 2 of 3 (13 batches per epoch), batch 8
    expect(killed.signal).toBe('SIGKILL');
    expect(readdirSync(dir)).not.toContain('final-kill.safetensors');
    const ck = await loadCheckpointFile(join(dir, 'last.safetensors'));
    // ModelCheckpoint runs last, so the kill at step 20 comes before that step's save.
    expect([ck.state.epoch, ck.state.batchesDone, ck.state.step]).toEqual([1, 7, 20]);
    ck.dispose();
    const resumed = await run(['resume', dir]);
    const full = weights(join(dir, 'final-full.safetensors'));
    expect(weights(join(dir, 'final-resume.safetensors'))).toEqual(full);
    const last = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { epochs: number[]; history: { loss: number[]; accuracy: number[] } };
    const h = last(resumed.out);
    expect(h.epochs).toEqual([0, 1, 2]);
    expect(h.history.loss).toHaveLength(3);
    // The interrupted epoch's training accuracy counts its batches from before the kill too.
    expect(h.history.accuracy).toEqual(last(fullRun.out).history.accuracy);
  }, 60_000);

  it('a process killed while saving checkpoints leaves a readable checkpoint, never a corrupt one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-atomic-'));
    let timer: NodeJS.Timeout | undefined;
    const r = await run(['save-loop', dir], (line, kill) => {
      if (line === 'saved') timer = setTimeout(kill, 300);
    });
    clearTimeout(timer);
    expect(r.signal).toBe('SIGKILL');
    const ck = await loadCheckpointFile(join(dir, 'last.safetensors'));
    expect(ck.state.step).toBeGreaterThan(0);
    expect(Object.keys(ck.weights)).toContain('0.weight');
    ck.dispose();
  }, 60_000);
});
