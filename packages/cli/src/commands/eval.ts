import { DataLoader } from '@tessera/datasets';
import { classScores } from '@tessera/train';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { datasetNames, loadDataset } from '../data.js';
import type { Io } from '../io.js';
import { loadRunModel, resolveCheckpoint } from '../run-config.js';
import { testModel } from './report-run.js';
import { normalizer } from './train.js';

/** `tessera eval` options. */
export const evalSpec: CommandSpec = {
  name: 'eval',
  summary: 'Evaluate a checkpoint on the test split of its dataset: accuracy, per-class precision/recall/F1, confusion matrix.',
  options: {
    checkpoint: { type: 'string', help: 'run directory or .safetensors file from tessera train' },
    dataset: { type: 'string', help: 'dataset (default: the run\'s)', choices: datasetNames },
    'batch-size': { type: 'number', default: 500, integer: true, min: 1, help: 'examples per batch' },
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
    offline: { type: 'boolean', help: 'never download datasets' },
    'data-dir': { type: 'string', help: 'dataset cache directory' },
  },
};

/** Runs `tessera eval`; returns the test accuracy. */
export async function evaluateCommand(argv: readonly string[], io: Io): Promise<{ accuracy: number; confusion: number[][] }> {
  const a = parseCommand(evalSpec, argv).values;
  const { file, config } = resolveCheckpoint(a.checkpoint as string | undefined);
  await setupBackend(a.backend as string, io.err);
  const dataset = (a.dataset as string | undefined) ?? config.dataset;
  const data = await loadDataset(dataset, { offline: Boolean(a.offline) || io.env.TESSERA_OFFLINE === '1', dataDir: a.dataDir as string | undefined, log: io.err });
  io.out(`Dataset: ${data.source}`);
  const net = await loadRunModel(file, config);
  const loader = new DataLoader(data.test, { batchSize: a.batchSize as number, transform: normalizer(config.normalization) });
  const r = await testModel(net, loader, data.test, config.classes.length, 0);
  io.out(`Test accuracy: ${(r.accuracy * 100).toFixed(2)}% (${file})`);
  const bad = r.nonFinite.reduce((x, y) => x + y, 0);
  if (bad > 0) io.err(`Warning: ${bad} test prediction(s) held NaN or Infinity and count as wrong; the checkpoint's weights or inputs are not finite.`);
  io.out('class'.padEnd(14) + 'precision  recall     f1  support');
  classScores(r.confusion, r.nonFinite).forEach((s, i) =>
    io.out(`${String(config.classes[i] ?? i).padEnd(14)}${s.precision.toFixed(4).padStart(9)}${s.recall.toFixed(4).padStart(8)}${s.f1.toFixed(4).padStart(7)}${String(s.support).padStart(9)}`),
  );
  io.out('confusion matrix (rows: true class, columns: predicted):');
  for (const row of r.confusion) io.out(row.map((v) => String(v).padStart(5)).join(''));
  return { accuracy: r.accuracy, confusion: r.confusion };
}
