/**
 * The optional torch-cpu column: `scripts/torch-train.py` through Debian's python3-torch in
 * a subprocess (2 threads), the same MLP and CNN training workloads. Where `/usr/bin/python3`
 * or torch is missing the column is skipped with the reason.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NetId } from './types.js';

export const TORCH_PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../scripts/torch-train.py', import.meta.url));

export type TorchResult =
  | { readonly ok: true; readonly version: string; readonly threads: number; readonly samplesPerSec: Readonly<Record<NetId, number>> }
  | { readonly ok: false; readonly reason: string };

/** The script's JSON line (its last non-empty stdout line). */
export function parseTorchOutput(stdout: string): TorchResult {
  const line = stdout.trim().split('\n').pop() ?? '';
  const r = JSON.parse(line) as { torch?: unknown; threads?: unknown; mlp?: unknown; cnn?: unknown };
  if (typeof r.torch !== 'string' || typeof r.mlp !== 'number' || typeof r.cnn !== 'number')
    throw new Error(`unexpected torch output: ${line}`);
  return { ok: true, version: r.torch, threads: Number(r.threads), samplesPerSec: { mlp: r.mlp, cnn: r.cnn } };
}

/** Runs the PyTorch workloads for `seconds` each with `threads` threads. */
export function torchCpu(seconds: number, threads = 2): Promise<TorchResult> {
  return new Promise((resolve) => {
    execFile(TORCH_PYTHON, [SCRIPT, String(seconds), String(threads)], { timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) {
        const why = /No module named '?torch/.test(stderr)
          ? 'torch is not installed (apt-get install python3-torch)'
          : stderr.trim().split('\n').pop() ?? err.message;
        resolve({ ok: false, reason: `${TORCH_PYTHON}: ${why}` });
        return;
      }
      try {
        resolve(parseTorchOutput(stdout));
      } catch (e) {
        resolve({ ok: false, reason: (e as Error).message });
      }
    });
  });
}
