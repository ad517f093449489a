import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DataError, VERSION, manualSeed } from '@tessera/core';
import { DataLoader, type ImageBatch, type ImageTransform, normalize } from '@tessera/datasets';
import { optimizer as makeOptimizer, optimizerNames } from '@tessera/optim';
import {
  type Checkpoint,
  type History,
  JsonlLogger,
  ModelCheckpoint,
  ProgressBar,
  type Recipe,
  fit,
  recipeAugmentation,
  recipeNames,
  recipeOptimizerOptions,
  recipeScheduler,
} from '@tessera/train';
import { directoryWriter, fileSink, loadCheckpointFile } from '@tessera/train/node';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { RUN_INFO_KEY } from '../model-file.js';
import { type LoadedData, allDatasetNames, channelStats, datasetShape, loadDataset } from '../data.js';
import { imageShapeFor, loadImageData, openImageSource } from '../image-data.js';
import { CliError } from '../errors.js';
import { type ImageShape, allModelNames, modelNames, modelSpec } from '../models.js';
import type { Io } from '../io.js';
import { type RunConfigFile, readRunConfig, resumedConfig, writeRunConfig } from '../run/config-file.js';
import { explainDivergence } from '../run/diverged.js';
import { rewindMetricsLog } from '../run/metrics-log.js';
import { type OptionChange, resolveResumeOptions } from '../run/resume-options.js';
import { claimRunDir } from '../run/run-dir.js';
import { type ValidationRecord, holdOutValidation } from '../run/validation.js';
import { recipeOf, withRecipe } from '../run/recipe-options.js';
import { finalTest } from './final-test.js';
import { writeReport } from './report-run.js';
import { interruptHandling } from './train-interrupt.js';
import { wrap } from '../wrap.js';

/** `tessera train` options. */
export const trainSpec: CommandSpec = {
  name: 'train',
  summary:
    'Train a model from the zoo on a dataset; writes config, metrics, checkpoints and report.html into --out. Text models ' +
    '(language-model, sequence-to-sequence) train on text datasets: tessera train --model <text model> --help shows their options.',
  options: {
    recipe: {
      type: 'string',
      help:
        'a named training configuration (model, dataset, optimizer, schedule, augmentation, epochs, batch size, validation split, seed); ' +
        'options given explicitly override it',
      choices: recipeNames,
    },
    model: { type: 'string', default: 'mnist-cnn', help: 'model name (image classifiers and text models; tessera info lists each one\'s ' +
      'task)', choices: allModelNames },
    dataset: { type: 'string', default: 'mnist', help: 'dataset name (image datasets and text corpora)', choices: allDatasetNames },
    data: {
      type: 'string',
      help:
        'your own images instead of --dataset: a folder with one subfolder per class (or train/ and test/ folders of them), ' +
        "or a CSV/JSON manifest of path,label; resized to cover the model's input and centre-cropped",
    },
    'test-split': {
      type: 'number',
      default: 0.1,
      min: 0.01,
      max: 0.5,
      help: 'with --data and no test/ folder: fraction of the images held out as the test split (stratified, fixed seed)',
    },
    epochs: { type: 'number', default: 10, integer: true, min: 1, help: 'epochs to train' },
    'batch-size': { type: 'number', default: 100, integer: true, min: 1, help: 'examples per step' },
    lr: { type: 'number', default: 0.1, min: 0, help: 'learning rate' },
    momentum: { type: 'number', min: 0, help: 'momentum (sgd, rmsprop)' },
    optimizer: { type: 'string', default: 'sgd', help: 'optimizer', choices: optimizerNames },
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
    seed: { type: 'number', default: 0, integer: true, min: 0, max: 2 ** 32 - 1, help: 'random seed (init, shuffling, dropout)' },
    out: { type: 'string', help: 'run directory (default runs/<model>-<dataset>-<time>)' },
    resume: {
      type: 'boolean',
      help:
        "continue the run in --out from its last.safetensors (options not given are the run's own; " +
        'only --epochs and --backend may differ)',
    },
    force: { type: 'boolean', help: 'replace a finished run already in --out (never a running one)' },
    limit: {
      type: 'number',
      integer: true,
      min: 1,
      help: 'use only the first N training examples (quick runs; the validation set is held out of these)',
    },
    'validation-split': {
      type: 'number',
      default: 0.1,
      min: 0,
      max: 0.9,
      help:
        'fraction of the training data held out for validation (stratified by class, seeded by --seed; 0: none). ' +
        'Checkpoints watch it; the test split is evaluated once, at the end',
    },
    offline: { type: 'boolean', help: 'never download datasets (also TESSERA_OFFLINE=1)' },
    'data-dir': { type: 'string', help: 'dataset cache directory (default TESSERA_DATA_DIR or the user cache)' },
  },
};

/** What a finished `tessera train` reports. */
export interface TrainSummary {
  readonly out: string;
  readonly backend: string;
  readonly datasetSource: string;
  /** Accuracy on the test split, evaluated once after training on the chosen checkpoint; null when interrupted. */
  readonly testAccuracy: number | null;
  /** The epoch (1-based) whose weights were tested (best on validation), or null. */
  readonly testedEpoch: number | null;
  readonly epochSeconds: number[];
  readonly history: Readonly<Record<string, number[]>>;
  readonly interrupted: boolean;
}

type Values = Record<string, string | number | boolean | undefined>;

const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/** Mean/std normalisation of image batches, as the run's config records it. */
export function normalizer(
  stats: { readonly mean: readonly number[]; readonly std: readonly number[] },
  augment?: ImageTransform | null,
): (b: ImageBatch) => ImageBatch {
  return ({ x, y }) => ({ x: normalize(augment ? augment(x) : x, stats.mean, stats.std), y });
}

/**
 * The options a run uses: as given for a new run; on `--resume`, those of the run being
 * resumed (its config.json) with only safe changes accepted.
 */
function runOptions(argv: readonly string[]): {
  a: Values;
  out: string;
  old: RunConfigFile | null;
  changes: Omit<OptionChange, 'epoch'>[];
} {
  const parsed = parseCommand(trainSpec, argv);
  const given = withRecipe(parsed.values, parsed.given).values;
  if (given.resume && given.force)
    throw new CliError('--resume and --force contradict each other: --resume continues the run in --out, --force replaces it.');
  if (given.data !== undefined && parsed.given.has('dataset'))
    throw new CliError(
      '--data and --dataset contradict each other: --data trains on your own images, --dataset on a registered dataset; give one.',
    );
  const dataName = given.data !== undefined ? basename(resolve(String(given.data))) : String(given.dataset);
  const out = (given.out as string | undefined) ?? join('runs', `${String(given.model)}-${dataName}-${stamp()}`);
  if (!given.resume) return { a: { ...given }, out, old: null, changes: [] };
  const resumePath = join(out, 'last.safetensors');
  if (!existsSync(resumePath))
    throw new CliError(`--resume: ${resumePath} does not exist; start a new run without --resume or point --out at an earlier run.`);
  const old = readRunConfig(out);
  const r = resolveResumeOptions(old, given, parsed.given);
  return { a: r.values, out, old, changes: r.changes };
}

/** Runs `tessera train`. */
export async function train(argv: readonly string[], io: Io): Promise<TrainSummary> {
  const { a, out, old, changes } = runOptions(argv);
  const data = planData(a, io);
  const command = ['tessera', 'train', ...argv];
  const lock = await claimRunDir({ out, resume: old !== null, force: Boolean(a.force), command, log: io.err });
  try {
    return await trainIn(out, a, data, { old, changes, command, release: () => lock.release() }, io);
  } finally {
    lock.release();
  }
}

/** The data a run trains on: its name for messages, the image shape, how to load it, what checkpoints record about it. */
interface DataPlan {
  readonly name: string;
  readonly imageShape: ImageShape;
  load(): Promise<LoadedData>;
  /** Run info for predict/eval: a registered dataset's name, or the image folder's path. */
  readonly info: { readonly dataset: string } | { readonly imageFolder: string };
}

/**
 * `--dataset` (checked against the model's input shape) or `--data` (opened at once, so a
 * model that does not fit the images is refused before the run directory is touched).
 */
function planData(a: Values, io: Io): DataPlan {
  const model = a.model as string;
  const spec = modelSpec(model);
  if (a.data !== undefined) {
    const source = openImageSource(a.data as string);
    const imageShape = imageShapeFor(model, source, a.data as string);
    return {
      name: basename(source.path),
      imageShape,
      info: { imageFolder: source.path },
      load: () => Promise.resolve(loadImageData(source, imageShape, { testSplit: a.testSplit as number, log: io.err })),
    };
  }
  const datasetName = a.dataset as string;
  const imageShape = datasetShape(datasetName);
  if (spec.inputShape && imageShape.join('x') !== spec.inputShape.join('x')) {
    throw new CliError(
      `model '${model}' expects ${spec.inputShape.join('×')} images (C×H×W) but dataset '${datasetName}' has ${imageShape.join('×')}; ` +
        `choose a model made for this dataset (${modelNames().join(', ')}).`,
    );
  }
  return {
    name: datasetName,
    imageShape,
    info: { dataset: datasetName },
    load: () =>
      loadDataset(datasetName, {
        offline: Boolean(a.offline) || io.env.TESSERA_OFFLINE === '1',
        dataDir: a.dataDir as string | undefined,
        log: io.err,
      }),
  };
}

async function trainIn(
  out: string,
  a: Values,
  plan: DataPlan,
  run: { old: RunConfigFile | null; changes: Omit<OptionChange, 'epoch'>[]; command: string[]; release: () => void },
  io: Io,
): Promise<TrainSummary> {
  const model = a.model as string;
  const datasetName = plan.name;
  const spec = modelSpec(model);
  const imageShape = plan.imageShape;
  const resumePath = join(out, 'last.safetensors');
  const backend = await setupBackend(a.backend as string, io.err);
  manualSeed(a.seed as number);
  const data = await plan.load();
  io.out(`Dataset: ${data.source}`);
  if (data.note) io.err(wrap(`Note: ${data.note}`, io.columns));
  if (data.train.length === 0)
    throw new DataError(
      `dataset '${datasetName}' (${data.source}) has no training examples; check its files (an empty IDX file?), --data-dir or --data.`,
    );
  const limit = a.limit as number | undefined;
  // A run recorded before --validation-split existed has none: resuming it keeps its data.
  const fraction = (a.validationSplit as number | undefined) ?? 0;
  const held = holdOutValidation(data.train, {
    limit,
    fraction,
    seed: a.seed as number,
    recorded: run.old?.validation as ValidationRecord | undefined,
  });
  const stats = channelStats(data.train);
  const transform = normalizer(stats);
  const batchSize = a.batchSize as number;
  const evalBatch = Math.max(batchSize, 500);
  const recipe = recipeOf(a);
  const trainLoader = new DataLoader(held.train, {
    batchSize,
    shuffle: true,
    transform: recipe ? normalizer(stats, recipeAugmentation(recipe.augmentation)) : transform,
  });
  const valLoader = held.validation ? new DataLoader(held.validation, { batchSize: evalBatch, transform }) : undefined;

  const net = spec.build(data.classes.length, imageShape);
  const optOptions: Record<string, unknown> = recipe
    ? recipeOptimizerOptions(recipe.optimizer, a.optimizer as string, { lr: a.lr as number, momentum: a.momentum as number | undefined })
    : { lr: a.lr };
  if (a.momentum !== undefined) optOptions.momentum = a.momentum;
  const optimizer = makeOptimizer(a.optimizer as string, net.parameters(), optOptions);
  const scheduler = recipe
    ? recipeScheduler(recipe.schedule, optimizer, { epochs: a.epochs as number, stepsPerEpoch: trainLoader.length })
    : null;

  const resumeFrom: Checkpoint | undefined = run.old ? await loadCheckpointFile(resumePath) : undefined;
  try {
    const now = {
      model,
      dataset: a.data === undefined ? datasetName : null,
      data: a.data ?? null,
      testSplit: a.data === undefined ? null : a.testSplit,
      datasetSource: data.source,
      classes: data.classes,
      inputShape: imageShape,
      normalization: stats,
      epochs: a.epochs,
      batchSize,
      lr: a.lr,
      momentum: a.momentum ?? null,
      optimizer: a.optimizer,
      seed: a.seed,
      backend,
      limit: limit ?? null,
      validationSplit: fraction,
      validation: held.record,
      recipe: recipe?.name ?? null,
      ...recipeRecord(recipe),
      tesseraCore: VERSION,
      node: process.version,
    };
    let changes: OptionChange[] = [];
    if (run.old && resumeFrom) {
      const epoch = resumeFrom.state.epoch + 1;
      changes = run.changes.map((c) => ({ ...c, epoch }));
      if (run.old.backend !== backend) changes.push({ option: 'backend', from: (run.old.backend as string) ?? null, to: backend, epoch });
      const dropped = await rewindMetricsLog(join(out, 'metrics.jsonl'), resumeFrom.state.history.epochs);
      if (dropped > 0)
        io.err(
          `Note: dropped ${dropped} line(s) of metrics.jsonl logged after the checkpoint; they are logged again as the run continues.`,
        );
      await writeRunConfig(out, resumedConfig(run.old, changes, { command: run.command, epoch }, now));
    } else {
      await writeRunConfig(out, { command: run.command, ...now, started: new Date().toISOString() });
    }
    io.out(
      held.validation
        ? `Validation: ${held.record.validation.toLocaleString('en-US')} training examples held out (--validation-split ${fraction}, ` +
            `stratified, seed ${String(a.seed)}); training on ${held.record.train.toLocaleString('en-US')}. ` +
            'The test split is evaluated once, after training.'
        : 'Validation: none (--validation-split 0); best.safetensors follows the training loss. ' +
            'The test split is evaluated once, after training.',
    );
    io.out(`Model: ${model} (${net.numParameters().toLocaleString('en-US')} parameters) on ${backend}; run directory ${out}`);
    for (const c of changes)
      io.err(
        `Note: --resume changes --${c.option} from ${String(c.from)} to ${String(c.to)} from epoch ${c.epoch} on ` +
          '(recorded in config.json).',
      );

    // The checkpoints carry the architecture and what predict/eval need to feed the model.
    const runInfo = JSON.stringify({ ...plan.info, classes: data.classes, inputShape: imageShape, normalization: stats });
    const checkpoint = new ModelCheckpoint({
      writer: directoryWriter(out),
      monitor: valLoader ? 'val_accuracy' : 'loss',
      metadata: { [RUN_INFO_KEY]: runInfo },
    });
    const interrupt = interruptHandling(checkpoint, io, resumePath, out, run.release);
    let history: History;
    try {
      history = await fit(net, trainLoader, {
        loss: 'crossEntropy',
        optimizer,
        epochs: a.epochs as number,
        validationData: valLoader,
        metrics: ['accuracy'],
        ...(scheduler ? { scheduler, schedulerInterval: 'batch' as const } : {}),
        callbacks: [
          interrupt.timer,
          new ProgressBar({ stream: io.stream }),
          new JsonlLogger(fileSink(join(out, 'metrics.jsonl'))),
          checkpoint,
          interrupt.stopper,
        ],
        resumeFrom,
      });
    } catch (e) {
      throw await explainDivergence(e, resumePath);
    } finally {
      interrupt.dispose();
    }
    const interrupted = interrupt.interrupted();
    // The test split is read here for the first time, once, on the weights chosen by validation.
    const test = interrupted
      ? null
      : await finalTest({
          out,
          model: net,
          checkpoint,
          epochsRun: history.epochs.length,
          test: data.test,
          classes: data.classes.length,
          loader: new DataLoader(data.test, { batchSize: evalBatch, transform }),
        });
    await writeReport({
      out,
      title: `${model} on ${datasetName}`,
      classes: data.classes,
      history: history.history,
      test,
      testNote: 'Interrupted before the last epoch: the test split is evaluated when the run finishes (--resume).',
      facts: [
        ...(recipe ? [['recipe', `${recipe.name} v${recipe.version} — ${recipe.description}`] as [string, string]] : []),
        ['model', `${model} — ${spec.description}`],
        ['dataset', data.source],
        ['backend', backend],
        [
          'validation',
          held.validation
            ? `${held.record.validation} of the training examples held out (--validation-split ${fraction}, stratified by class, ` +
              `seed ${String(a.seed)}); ${held.record.train} trained on`
            : 'none (--validation-split 0)',
        ],
        ['optimizer', `${String(a.optimizer)} lr=${String(a.lr)}${a.momentum !== undefined ? ` momentum=${String(a.momentum)}` : ''}`],
        ['epochs / batch size', `${history.epochs.length} / ${batchSize}`],
        ['seed', String(a.seed)],
        ['seconds per epoch', interrupt.epochSeconds.map((s) => s.toFixed(1)).join(', ')],
        ...changeFacts(run.old, changes),
      ],
    });
    io.out(
      test
        ? `Test accuracy ${(test.accuracy * 100).toFixed(2)}% (${test.examples.toLocaleString('en-US')} test examples, ` +
          `evaluated once on ${test.checkpoint}) · report ${join(out, 'report.html')}`
        : `Test split not evaluated (interrupted) · report ${join(out, 'report.html')}`,
    );
    return {
      out,
      backend,
      datasetSource: data.source,
      testAccuracy: test?.accuracy ?? null,
      testedEpoch: test?.epoch ?? null,
      epochSeconds: interrupt.epochSeconds,
      history: history.history,
      interrupted,
    };
  } finally {
    resumeFrom?.dispose();
  }
}

/** What config.json records of a recipe: its version and the settings that have no flag. */
function recipeRecord(r: Recipe | null): Record<string, unknown> {
  return r
    ? { recipeVersion: r.version, schedule: r.schedule, augmentation: r.augmentation, optimizerOptions: r.optimizer.options ?? null }
    : {};
}

/** The report's lines about resumes: every change recorded in config.json so far. */
function changeFacts(old: RunConfigFile | null, now: readonly OptionChange[]): [string, string][] {
  const all = [...(old?.changes ?? []), ...now];
  return all.map((c): [string, string] => [`changed on resume`, `--${c.option} ${String(c.from)} → ${String(c.to)} from epoch ${c.epoch}`]);
}
