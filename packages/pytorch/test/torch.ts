import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@tessera/core';
import { encodeSafetensors } from '@tessera/layers';
import type { PytorchExport } from '../src/index.js';

const PYTHON = '/usr/bin/python3';
const RUNNER = fileURLToPath(new URL('./run_torch.py', import.meta.url));

/** Why PyTorch tests skip here, or null when /usr/bin/python3 imports torch. */
export const torchMissing: string | null = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} with torch is not installed (Debian: apt install python3-torch); the PyTorch comparisons skip.`;
})();

/** What the exported module did in PyTorch 1.13. */
export interface TorchRun {
  readonly outputs: number[][];
  readonly keys: string[];
  readonly trainLoss: number[];
  /** Eval-mode outputs after the two training steps. */
  readonly trainedOutputs: number[][];
  /** The trained state dict as PyTorch saved it (`torch.save`, zip format). */
  readonly trainedPth: Uint8Array;
}

/**
 * Writes the export and the inputs to a temporary folder and runs them in PyTorch
 * (asynchronously: a blocked worker misses vitest's heartbeats on a loaded machine).
 */
export async function runInTorch(exported: PytorchExport, inputs: readonly Tensor[]): Promise<TorchRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pytorch-'));
  const files = { py: join(dir, 'model.py'), weights: join(dir, 'model.safetensors'), inputs: join(dir, 'inputs.safetensors'), out: join(dir, 'out.json'), pth: join(dir, 'trained.pth') };
  writeFileSync(files.py, exported.code);
  writeFileSync(files.weights, exported.weights);
  writeFileSync(files.inputs, encodeSafetensors(Object.fromEntries(inputs.map((t, i) => [`x${i}`, t]))));
  await promisify(execFile)(PYTHON, [RUNNER, files.py, files.weights, files.inputs, files.out, files.pth], { env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return { ...(JSON.parse(readFileSync(files.out, 'utf8')) as Omit<TorchRun, 'trainedPth'>), trainedPth: new Uint8Array(readFileSync(files.pth)) };
}
