import { createRequire } from 'node:module';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { backends, getBackend, memory } from '@tessera/core';
import { datasetDescriptors, datasetTask, isTextDataset } from '@tessera/datasets';
import { isTextModel, modelDescriptors, modelTask } from '@tessera/models';
import { recipes } from '@tessera/train';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import type { Io } from '../io.js';

/** `tessera info` options. */
export const infoSpec: CommandSpec = {
  name: 'info',
  summary:
    'Versions, installed backends, the backend in use and what it reports about the device, the registered models, datasets and recipes.',
  options: { backend: { type: 'string', default: 'auto', help: 'backend to start', choices: () => BACKENDS } },
};

const PACKAGES = ['core', 'backend-cpu', 'backend-webgpu', 'layers', 'optim', 'datasets', 'train', 'models', 'cli'];

/** Installed @tessera package versions ('not installed' where absent). */
export function packageVersions(): Record<string, string> {
  const req = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const p of PACKAGES) {
    try {
      out[`@tessera/${p}`] = (req(`@tessera/${p}/package.json`) as { version: string }).version;
    } catch {
      out[`@tessera/${p}`] = 'not installed';
    }
  }
  return out;
}

/** Runs `tessera info`; returns the report as key/value lines. */
export async function infoCommand(argv: readonly string[], io: Io): Promise<[string, string][]> {
  const a = parseCommand(infoSpec, argv).values;
  const used = await setupBackend(a.backend as string, io.err);
  const lines: [string, string][] = Object.entries(packageVersions());
  lines.push(
    ['node', process.version],
    ['cpu', `${cpus()[0]?.model ?? 'unknown'} × ${availableParallelism()}`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
  );
  lines.push(['backends installed', backends().join(', ')], ['backend in use', used]);
  const info = getBackend(used).info?.();
  if (info) for (const [k, v] of Object.entries(info)) lines.push([`${used}.${k}`, typeof v === 'string' ? v : JSON.stringify(v)]);
  lines.push(['live tensors', String(memory().numTensors)]);
  for (const m of modelDescriptors()) {
    const text = isTextModel(m) ? `, default dataset ${m.dataset}, reports ${(m.metrics ?? []).join('/')}` : '';
    lines.push([
      `model ${m.name}`,
      `${m.description}${m.package === '@tessera/models' ? '' : ` (${m.package})`} — task ${modelTask(m)}${text}`,
    ]);
  }
  for (const d of datasetDescriptors()) {
    const text = isTextDataset(d) ? `, licence ${d.licence}` : '';
    lines.push([
      `dataset ${d.name}`,
      `${d.description}${d.package === '@tessera/datasets' ? '' : ` (${d.package})`} — task ${datasetTask(d)}${text}`,
    ]);
  }
  for (const r of recipes()) {
    const measured = r.results?.at(-1);
    lines.push([
      `recipe ${r.name}`,
      `v${r.version}: ${r.description}${r.package === '@tessera/train' ? '' : ` (${r.package})`}` +
        `${measured ? ` — measured: ${measured.metric}` : ''}`,
    ]);
  }
  const w = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) io.out(`${k.padEnd(w)}  ${v}`);
  return lines;
}
