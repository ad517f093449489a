import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VERSION, manualSeed } from '@tessera/core';
import { DataLoader, type ImageBatch, type ImageExample, normalize, subset } from '@tessera/datasets';
import { optimizer as makeOptimizer, optimizerNames } from '@tessera/optim';
import { type Callback, JsonlLogger, ModelCheckpoint, ProgressBar, type TrainContext, fit } from '@tessera/train';
import { directoryWriter, fileSink, loadCheckpointFile } from '@tessera/train/node';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { DATASET_SHAPES, channelStats, datasetNames, loadDataset } from '../data.js';
import { CliError } from '../errors.js';
import { modelNames, modelSpec } from '../models.js';
import type { Io } from '../io.js';
import { writeReport } from './report-run.js';

/** `tessera train` options. */
export const trainSpec: CommandSpec = {
  name: 'train',
  summary: 'Train a model from the zoo on a dataset; writes config, metrics, checkpoints and report.html into --out.',
  options: {
    model: { type: 'string', default: 'mnist-cnn', help: 'model name', choices: modelNames },
    dataset: { type: 'string', default: 'mnist', help: 'dataset name', choices: datasetNames },
    epochs: { type: 'number', default: 10, integer: true, min: 1, help: 'epochs to train' },
    'batch-size': { type: 'number', default: 100, integer: true, min: 1, help: 'examples per step' },
    lr: { type: 'number', default: 0.1, min: 0, help: 'learning rate' },
    momentum: { type: 'number', min: 0, help: 'momentum (sgd, rmsprop)' },
    optimizer: { type: 'string', default: 'sgd', help: 'optimizer', choices: optimizerNames },
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
    seed: { type: 'number', default: 0, integer: true, help: 'random seed (init, shuffling, dropout)' },
    out: { type: 'string', help: 'run directory (default runs/<model>-<dataset>-<time>)' },
    resume: { type: 'boolean', help: 'continue the run in --out from its last.safetensors' },
    limit: { type: 'number', integer: true, min: 1, help: 'use only the first N training examples (quick runs)' },
    offline: { type: 'boolean', help: 'never download datasets (also TESSERA_OFFLINE=1)' },
    'data-dir': { type: 'string', help: 'dataset cache directory (default TESSERA_DATA_DIR or the user cache)' },
  },
};

/** What a finished `tessera train` reports. */
export interface TrainSummary {
  readonly out: string;
  readonly backend: string;
  readonly datasetSource: string;
  readonly testAccuracy: number;
  readonly epochSeconds: number[];
  readonly history: Readonly<Record<string, number[]>>;
  readonly interrupted: boolean;
}

const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Mean/std normalisation of image batches, as the run's config records it. */
export function normalizer(stats: { readonly mean: readonly number[]; readonly std: readonly number[] }): (b: ImageBatch) => ImageBatch {
  return ({ x, y }) => ({ x: normalize(x, stats.mean, stats.std), y });
}

/** Runs `tessera train`. */
export async function train(argv: readonly string[], io: Io): Promise<TrainSummary> {
  const a = parseCommand(trainSpec, argv).values;
  const model = a.model as string;
  const datasetName = a.dataset as string;
  const spec = modelSpec(model);
  const out = (a.out as string | undefined) ?? join('runs', `${model}-${datasetName}-${stamp()}`);
  const resumePath = join(out, 'last.safetensors');
  if (a.resume && !existsSync(resumePath)) throw new CliError(`--resume: ${resumePath} does not exist; start a new run without --resume or point --out at an earlier run.`);

  const imageShape = DATASET_SHAPES[datasetName];
  if (spec.inputShape && imageShape.join('x') !== spec.inputShape.join('x')) {
    throw new CliError(
      `model '${model}' expects ${spec.inputShape.join('×')} images (C×H×W) but dataset '${datasetName}' has ${imageShape.join('×')}; choose a model made for this dataset (${modelNames().join(', ')}).`,
    );
  }
  const backend = await setupBackend(a.backend as string, io.err);
  manualSeed(a.seed as number);
  const data = await loadDataset(datasetName, { offline: Boolean(a.offline) || io.env.TESSERA_OFFLINE === '1', dataDir: a.dataDir as string | undefined, log: io.err });
  io.out(`Dataset: ${data.source}`);
  if (data.note) io.err(`Note: ${data.note}`);
  const limit = a.limit as number | undefined;
  const trainSet = limit ? subset<ImageExample, ImageBatch>(data.train, Array.from({ length: Math.min(limit, data.train.length) }, (_, i) => i)) : data.train;
  const stats = channelStats(data.train);
  const transform = normalizer(stats);
  const batchSize = a.batchSize as number;
  const trainLoader = new DataLoader(trainSet, { batchSize, shuffle: true, transform });
  const testLoader = new DataLoader(data.test, { batchSize: Math.max(batchSize, 500), transform });

  const net = spec.build(data.classes.length, imageShape);
  const optOptions: Record<string, unknown> = { lr: a.lr };
  if (a.momentum !== undefined) optOptions.momentum = a.momentum;
  const optimizer = makeOptimizer(a.optimizer as string, net.parameters(), optOptions);

  await mkdir(out, { recursive: true });
  const config = {
    command: ['tessera', 'train', ...argv], model, dataset: datasetName, datasetSource: data.source, classes: data.classes,
    inputShape: imageShape, normalization: stats, epochs: a.epochs, batchSize, lr: a.lr, momentum: a.momentum ?? null,
    optimizer: a.optimizer, seed: a.seed, backend, limit: limit ?? null, tesseraCore: VERSION, node: process.version,
    started: new Date().toISOString(),
  };
  await writeFile(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  io.out(`Model: ${model} (${net.numParameters().toLocaleString('en-US')} parameters) on ${backend}; run directory ${out}`);

  const checkpoint = new ModelCheckpoint({ writer: directoryWriter(out), monitor: 'val_accuracy' });
  const epochSeconds: number[] = [];
  let epochStart = 0;
  let interrupted = false;
  const timer: Callback = {
    onEpochBegin: () => void (epochStart = performance.now()),
    onEpochEnd: () => void epochSeconds.push((performance.now() - epochStart) / 1000),
  };
  // fit lets the event loop run between steps, so the SIGINT handler below sets the flag
  // mid-epoch and the next batch end stops there.
  const stopper: Callback = {
    onBatchEnd: async (_i, ctx: TrainContext) => {
      if (!interrupted) return;
      ctx.stopTraining = true;
      ctx.stopReason = 'interrupted (Ctrl-C)';
      await checkpoint.saveAtBatch(ctx);
      io.err(`\nInterrupted: checkpoint written to ${resumePath}; continue with the same command plus --resume --out ${out}`);
    },
  };
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const resumeFrom = a.resume ? await loadCheckpointFile(resumePath) : undefined;
  let history;
  try {
    history = await fit(net, trainLoader, {
      loss: 'crossEntropy', optimizer, epochs: a.epochs as number, validationData: testLoader, metrics: ['accuracy'],
      callbacks: [timer, new ProgressBar({ stream: io.stream }), new JsonlLogger(fileSink(join(out, 'metrics.jsonl'))), checkpoint, stopper],
      resumeFrom,
    });
  } finally {
    process.off('SIGINT', onSigint);
    resumeFrom?.dispose();
  }
  const { testAccuracy } = await writeReport({ out, model: net, title: `${model} on ${datasetName}`, data, testLoader, history: history.history, facts: [
    ['model', `${model} — ${spec.description}`], ['dataset', data.source], ['backend', backend],
    ['optimizer', `${String(a.optimizer)} lr=${String(a.lr)}${a.momentum !== undefined ? ` momentum=${String(a.momentum)}` : ''}`],
    ['epochs / batch size', `${history.epochs.length} / ${batchSize}`], ['seed', String(a.seed)],
    ['seconds per epoch', epochSeconds.map((s) => s.toFixed(1)).join(', ')],
  ] });
  io.out(`Test accuracy ${(testAccuracy * 100).toFixed(2)}% · report ${join(out, 'report.html')}`);
  return { out, backend, datasetSource: data.source, testAccuracy, epochSeconds, history: history.history, interrupted };
}
