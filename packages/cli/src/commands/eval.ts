import { DataLoader } from '@tessera/datasets';
import { classScores } from '@tessera/train';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { datasetNames, datasetShape, loadDataset } from '../data.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { MODEL_INFO_OPTIONS, openModel, resolveFeed } from '../model-file.js';
import { testModel } from './report-run.js';
import { normalizer } from './train.js';

/** `tessera eval` options. */
export const evalSpec: CommandSpec = {
  name: 'eval',
  summary:
    'Evaluate any model file (a run, a checkpoint, a saveModel file or an ONNX file) on the test split of a dataset: accuracy, per-class ' +
      'precision/recall/F1, confusion matrix.',
  positionals: '[model]',
  options: {
    checkpoint: {
      type: 'string',
      help: 'the model: run directory, .safetensors checkpoint or model file, or .onnx file (or give it as the argument)',
    },
    dataset: { type: 'string', help: "dataset (default: the run's)", choices: datasetNames },
    mean: MODEL_INFO_OPTIONS.mean,
    std: MODEL_INFO_OPTIONS.std,
    'batch-size': { type: 'number', default: 500, integer: true, min: 1, help: 'examples per batch' },
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
    offline: { type: 'boolean', help: 'never download datasets' },
    'data-dir': { type: 'string', help: 'dataset cache directory' },
  },
};

/** Runs `tessera eval`; returns the test accuracy. */
export async function evaluateCommand(argv: readonly string[], io: Io): Promise<{ accuracy: number; confusion: number[][] }> {
  const { values: a, positionals } = parseCommand(evalSpec, argv);
  const model = (a.checkpoint as string | undefined) ?? positionals[0];
  if (model === undefined)
    throw new CliError('tessera eval: give the model (a run directory, .safetensors or .onnx file) as the argument or as --checkpoint.');
  if (positionals.length > (a.checkpoint === undefined ? 1 : 0))
    throw new CliError(`tessera eval: takes one model; got also ${positionals.slice(a.checkpoint === undefined ? 1 : 0).join(', ')}.`);
  await setupBackend(a.backend as string, io.err);
  const opened = await openModel(model);
  const dataset = (a.dataset as string | undefined) ?? opened.info.dataset;
  if (dataset === undefined)
    throw new CliError(`tessera eval: ${opened.file} does not record its dataset; give --dataset (${datasetNames().join(', ')}).`);
  const data = await loadDataset(dataset, {
    offline: Boolean(a.offline) || io.env.TESSERA_OFFLINE === '1',
    dataDir: a.dataDir as string | undefined,
    log: io.err,
  });
  io.out(`Dataset: ${data.source}`);
  const { mean, std } = resolveFeed({ ...opened, info: { ...opened.info, inputShape: datasetShape(dataset) } }, a, 'eval');
  const classes = opened.info.classes ?? data.classes;
  const net = opened.net;
  const loader = new DataLoader(data.test, { batchSize: a.batchSize as number, transform: normalizer({ mean, std }) });
  const r = await testModel(net, loader, data.test, classes.length, 0);
  io.out(`Test accuracy: ${(r.accuracy * 100).toFixed(2)}% (${opened.file})`);
  const bad = r.nonFinite.reduce((x, y) => x + y, 0);
  if (bad > 0)
    io.err(
      `Warning: ${bad} test prediction(s) held NaN or Infinity and count as wrong; the checkpoint's weights or inputs are not finite.`,
    );
  io.out('class'.padEnd(14) + 'precision  recall     f1  support');
  classScores(r.confusion, r.nonFinite).forEach((s, i) =>
    io.out(
      String(classes[i] ?? i).padEnd(14) +
        s.precision.toFixed(4).padStart(9) +
        s.recall.toFixed(4).padStart(8) +
        s.f1.toFixed(4).padStart(7) +
        String(s.support).padStart(9),
    ),
  );
  io.out('confusion matrix (rows: true class, columns: predicted):');
  for (const row of r.confusion) io.out(row.map((v) => String(v).padStart(5)).join(''));
  net.dispose();
  return { accuracy: r.accuracy, confusion: r.confusion };
}
