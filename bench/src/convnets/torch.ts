/**
 * The optional torch-cpu column of the convnet rows: `scripts/torch-convnets.py` through
 * Debian's python3-torch in a subprocess (as the compiled section's torch column), the same
 * networks and shapes with the row's thread count; printed as its own table beside
 * tessera-cpu's times. Skipped with the reason where python3 or torch is missing.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Row } from '../report.js';
import { fmtMs, fmtRatio, renderTable } from '../table.js';
import { TORCH_PYTHON } from '../compiled/torch.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/torch-convnets.py', import.meta.url));

export type TorchRows =
  | { readonly ok: true; readonly version: string; readonly ms: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly reason: string };

/** The script's JSON line (its last non-empty stdout line). */
export function parseTorchRows(stdout: string): TorchRows {
  const line = stdout.trim().split('\n').pop() ?? '';
  const r = JSON.parse(line) as { torch?: unknown; ms?: unknown };
  if (typeof r.torch !== 'string' || typeof r.ms !== 'object' || r.ms === null) throw new Error(`unexpected torch output: ${line}`);
  const ms = Object.fromEntries(Object.entries(r.ms).filter((e): e is [string, number] => typeof e[1] === 'number'));
  return { ok: true, version: r.torch, ms };
}

/** Times the rows `ids` in PyTorch, each for about `seconds`. */
export function torchConvNets(ids: readonly string[], seconds: number): Promise<TorchRows> {
  return new Promise((resolve) => {
    execFile(TORCH_PYTHON, [SCRIPT, String(seconds), ...ids], { timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) {
        const why = /No module named '?torch/.test(stderr)
          ? 'torch is not installed (apt-get install python3-torch)'
          : stderr.trim().split('\n').pop() ?? err.message;
        resolve({ ok: false, reason: `${TORCH_PYTHON}: ${why}` });
        return;
      }
      try {
        resolve(parseTorchRows(stdout));
      } catch (e) {
        resolve({ ok: false, reason: (e as Error).message });
      }
    });
  });
}

/** Markdown lines: tessera-cpu against torch-cpu per convnet row (median ms, Tessera throughput / torch's). */
export function torchTable(rows: readonly Row[], torch: TorchRows): string[] {
  const head =
    '### torch-cpu on the convnet rows (PyTorch eager, same nets and shapes, seeded random weights; `scripts/torch-convnets.py`)';
  if (!torch.ok) return [head, '', `- torch-cpu: skipped (${torch.reason})`];
  const body = rows
    .filter((r) => torch.ms[r.workload.id] !== undefined)
    .map((r) => {
      const t = r.cells.get('tessera-cpu');
      const ms = torch.ms[r.workload.id]!;
      return [
        r.workload.label,
        t?.kind === 'ok' ? fmtMs(t.timing.medianMs) : '-',
        fmtMs(ms),
        t?.kind === 'ok' ? fmtRatio(ms / t.timing.medianMs) : '-',
      ];
    });
  return [
    head,
    '',
    `torch ${torch.version}`,
    '',
    renderTable(['workload', 'tessera-cpu', 'torch-cpu', 'tessera/torch'], body, ['l', 'r', 'r', 'r']),
  ];
}
