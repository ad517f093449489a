import { ConfigError, dispose, getRngState, isTensor, setRngState } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import { LRSchedule, type Optimizer, ReduceLROnPlateau } from '@tessera/optim';
import type { BatchInfo, Callback, History, Logs, TrainContext } from './callbacks/callback.js';
import { type DataSource, batchSizeOf, epochsOf, splitArrays, toBatch } from './data.js';
import { checkRequiredFitOptions } from './fit-options.js';
import { evaluator } from './evaluate.js';
import { type LossFn, type MetricSpec, isKnownLoss, resolveLoss, resolveMetrics } from './resolve.js';
import { MeanMetric, type Metric, releaseMetric } from './metrics.js';
import { trainStep } from './step.js';
import type { Checkpoint } from './checkpoint.js';
import { NanGuard } from './callbacks/nan-guard.js';
import { callbackKeys, collectResumeState, restoreCallbacks, restoreCheckpoint, restoreMetrics } from './resume-state.js';
import { yieldToEventLoop } from './yield.js';

/**
 * Training steps only await microtasks, so without a yield a Ctrl-C handler, a worker's
 * "pause" message or a timer would wait for the next I/O: `fit` lets the event loop run
 * once this often (milliseconds).
 */
const YIELD_EVERY_MS = 50;

/** A learning-rate schedule `fit` steps: closed-form (per epoch or batch) or on plateau. */
export type Scheduler = LRSchedule | ReduceLROnPlateau;

/** Options of `fit`. */
export interface FitOptions {
  /** Loss function `(pred, target) => scalar`, or a name (`'crossEntropy'`, `'mse'`, …). */
  readonly loss: LossFn | string;
  readonly optimizer: Optimizer;
  /** Epochs to run (default 1). */
  readonly epochs?: number;
  /** Batch size when data is `{ x, y }` tensors (default 32). */
  readonly batchSize?: number;
  /** Shuffle `{ x, y }` data every epoch (default true; seeded by `manualSeed`). */
  readonly shuffle?: boolean;
  /** Evaluated after every epoch; its values are logged with a `val_` prefix. */
  readonly validationData?: DataSource;
  /**
   * With `{ x, y }` data: this fraction of the examples is held out for validation, chosen
   * at random (seeded by `validationSeed`) and stratified by class when y holds class
   * indices (int32). Unlike Keras, which takes the last fraction unshuffled, a dataset
   * sorted by class still validates on every class.
   */
  readonly validationSplit?: number;
  /** Seed of the validationSplit draw (default 0): the same seed holds out the same examples. */
  readonly validationSeed?: number;
  /** Metrics: names (`'accuracy'`, `'top5Accuracy'`, `'f1'`…) or Metric objects. */
  readonly metrics?: readonly MetricSpec[];
  /** Number of classes (for precision/recall/F1 by name); default: read from the first batch. */
  readonly numClasses?: number;
  readonly callbacks?: readonly Callback[];
  /** Stepped after every epoch (or batch, see `schedulerInterval`); a plateau scheduler gets `monitor`. */
  readonly scheduler?: Scheduler;
  /** When a closed-form scheduler steps (default 'epoch'). */
  readonly schedulerInterval?: 'epoch' | 'batch';
  /** What a ReduceLROnPlateau scheduler watches (default 'val_loss' with validation data, else 'loss'). */
  readonly schedulerMonitor?: string;
  /** Clip the global gradient norm to this value before each step. */
  readonly clipGradNorm?: number;
  /** Epoch to start from, default 0. */
  readonly initialEpoch?: number;
  /**
   * Continue a run from a checkpoint (`ModelCheckpoint`'s file, read with
   * `loadCheckpointFile`): weights, optimizer, scheduler, RNG, history and the position in
   * the epoch are restored, so the run ends with the same weights as one never stopped.
   */
  readonly resumeFrom?: Checkpoint;
  /**
   * Compile the training step: after the first batches of each batch shape, every step
   * replays its recorded kernels (`compile` in @tessera/core), with the same results as
   * eager execution. Default: on when the loss is a built-in or registered one (a custom
   * loss function could have host side effects a replay would not repeat: pass `true` to
   * compile it anyway). Optimizers that are not `compilable` run eagerly anyway; `false`
   * turns compilation off. The model's forward must not depend on host state that changes
   * between batches (layers from @tessera/layers and the zoo do not).
   */
  readonly compile?: boolean;
  /**
   * Stop with a `NonFiniteLossError` naming the step (or the epoch and log key) when the
   * loss or an epoch's metrics become NaN or ±Infinity (default true: a `NanGuard` runs
   * before the other callbacks, so checkpoints never record a diverged epoch). `false`
   * trains on regardless.
   */
  readonly nanGuard?: boolean;
}

/** Models inside a running `fit`: a second concurrent `fit` on one would interleave steps. */
const inUse = new WeakSet<AnyModule>();

/** The callbacks in the order `fit` calls them: the NaN guard, the rest, then `runsLast` ones. */
function callbackOrder(opts: FitOptions): Callback[] {
  const given = opts.callbacks ?? [];
  const guard = (opts.nanGuard ?? true) && !given.some((c) => c instanceof NanGuard) ? [new NanGuard()] : [];
  return [...guard, ...given.filter((c) => !c.runsLast), ...given.filter((c) => c.runsLast)];
}

function emptyHistory(): History {
  return { epochs: [], history: {}, stopReason: null };
}

async function each(cbs: readonly Callback[], fn: (cb: Callback) => void | Promise<void>): Promise<void> {
  for (const cb of cbs) await fn(cb);
}

async function readMetrics(metrics: readonly Metric[], prefix: string, into: Logs): Promise<void> {
  for (const m of metrics) into[prefix + m.name] = await m.result();
}

/**
 * Trains `model` on `data` (Keras' `fit`, PyTorch's loop written once): per epoch, every
 * batch runs forward, loss, backward and an optimizer step; metrics accumulate on the
 * device and are read once per epoch; validation, schedulers and callbacks run after each
 * epoch. Leak-free: the live tensor count is the same after every epoch.
 *
 * @example
 * const history = await fit(net, { x, y }, {
 *   loss: 'crossEntropy', optimizer: new SGD(net.parameters(), { lr: 0.1 }),
 *   epochs: 10, batchSize: 100, validationSplit: 0.1, metrics: ['accuracy'],
 * });
 * history.history.val_accuracy; // one value per epoch
 */
export async function fit(model: AnyModule, data: DataSource, opts: FitOptions): Promise<History> {
  checkRequiredFitOptions(opts);
  if (inUse.has(model)) {
    throw new ConfigError(
      'fit: this model is already being trained by another fit call that has not finished; await it first (or train a copy of the model).',
    );
  }
  inUse.add(model);
  try {
    return await fitOwned(model, data, opts);
  } finally {
    inUse.delete(model);
  }
}

async function fitOwned(model: AnyModule, data: DataSource, opts: FitOptions): Promise<History> {
  if (opts.validationSplit === undefined) return fitData(model, data, opts);
  if (!(typeof data === 'object' && data !== null && 'x' in data && 'y' in data && isTensor(data.x))) {
    throw new ConfigError('fit: validationSplit needs { x, y } tensors; with a DataLoader pass validationData instead.');
  }
  if (opts.validationData !== undefined) throw new ConfigError('fit: pass validationSplit or validationData, not both.');
  const { train, val } = await splitArrays(data, opts.validationSplit, opts.validationSeed ?? 0);
  try {
    return await fitData(model, train, { ...opts, validationSplit: undefined, validationData: val });
  } finally {
    dispose([train.x, train.y, val.x, val.y]);
  }
}

async function fitData(model: AnyModule, data: DataSource, opts: FitOptions): Promise<History> {
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ConfigError(`fit: epochs must be a non-negative integer but got ${epochs}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ConfigError(`fit: batchSize must be a positive integer but got ${batchSize}.`);
  const trainData = data;
  const valData = opts.validationData;
  const lossFn = resolveLoss(opts.loss);
  const source = epochsOf(trainData, batchSize, opts.shuffle ?? true);
  const lossMean = new MeanMetric('loss');
  const metrics = resolveMetrics(opts.metrics ?? [], opts.numClasses);
  const history = emptyHistory();
  const cbs = callbackOrder(opts);
  const keys = callbackKeys(cbs);
  const ctx: TrainContext = {
    model, optimizer: opts.optimizer, epochs, epoch: opts.initialEpoch ?? 0, step: 0, numBatches: source.numBatches,
    stopTraining: false, stopReason: null, history, batchesDone: 0, rngEpochStart: getRngState(), scheduler: opts.scheduler,
    epochLoss: () => lossMean.state(),
    resumeState: () => collectResumeState(metrics, keys),
  };
  const resume = opts.resumeFrom ? restoreCheckpoint(opts.resumeFrom, ctx, lossMean) : null;
  const monitor = opts.schedulerMonitor ?? (valData ? 'val_loss' : 'loss');
  const compiled = opts.compile ?? isKnownLoss(opts.loss);
  const step = trainStep(
    { model, lossFn, optimizer: opts.optimizer, metrics, lossMean, clip: opts.clipGradNorm, callbacks: cbs },
    compiled,
  );
  const validation = valData
    ? evaluator(model, { loss: lossFn, metrics: opts.metrics, batchSize, numClasses: opts.numClasses }, compiled)
    : null;
  let lastYield = performance.now();
  await each(cbs, (c) => c.onTrainBegin?.(ctx));
  if (resume) restoreCallbacks(resume.callbacks, keys);
  try {
    for (let epoch = ctx.epoch; epoch < epochs && !ctx.stopTraining; epoch++) {
      ctx.epoch = epoch;
      model.train();
      metrics.forEach((m) => m.reset());
      // Resuming mid-epoch: redraw the same shuffle, skip the batches already trained, then
      // continue with the generator exactly where the checkpoint left it.
      let skip = 0;
      if (resume && epoch === resume.epoch) {
        skip = resume.batchesDone;
        setRngState(skip > 0 ? resume.rngEpochStart : resume.rng);
        if (skip > 0) restoreMetrics(metrics, resume.metrics);
      } else lossMean.reset();
      ctx.rngEpochStart = getRngState();
      ctx.batchesDone = 0;
      await each(cbs, (c) => c.onEpochBegin?.(epoch, ctx));
      let b = 0;
      for await (const raw of source.batches()) {
        if (skip > 0) {
          b++;
          ctx.batchesDone = b;
          if (--skip === 0 && resume) setRngState(resume.rng);
          continue;
        }
        const batch = toBatch(raw, 'fit');
        const size = batchSizeOf(batch);
        const loss = step.run(batch);
        const info: BatchInfo = { loss, size, batch: b };
        if (opts.scheduler instanceof LRSchedule && opts.schedulerInterval === 'batch') opts.scheduler.step();
        ctx.batchesDone = b + 1;
        try {
          await each(cbs, (c) => c.onBatchEnd?.(info, ctx));
        } finally {
          loss.dispose();
        }
        ctx.step++;
        b++;
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (ctx.stopTraining) break;
      }
      // A stop requested mid-epoch (Ctrl-C, NaN guard) ends training without recording a
      // partial epoch: no validation, no epoch-end callbacks, so a checkpoint written at the
      // stop keeps its mid-epoch position.
      if (ctx.stopTraining && !(ctx.numBatches !== null && b >= ctx.numBatches)) break;
      if (b === 0) throw new ConfigError(`fit: epoch ${epoch + 1} had no batches: the training data is empty (0 examples); check the ` +
        `dataset, its --limit or the filter that built it.`);
      if (skip > 0) throw new ConfigError(`fit: the checkpoint is ${resume?.batchesDone} batches into epoch ${epoch + 1} but the data ` +
        `has only ${b} batches per epoch; resume with the same data and batch size.`);
      const logs: Logs = { loss: await lossMean.result() };
      await readMetrics(metrics, '', logs);
      if (valData) Object.assign(logs, prefixed(await validation!.run(valData), 'val_'));
      stepScheduler(opts, logs, monitor);
      history.epochs.push(epoch);
      for (const [k, v] of Object.entries(logs)) (history.history[k] ??= []).push(v);
      await each(cbs, (c) => c.onEpochEnd?.(epoch, logs, ctx));
    }
  } finally {
    step.dispose();
    validation?.dispose();
    releaseMetric(lossMean);
    metrics.forEach(releaseMetric);
  }
  history.stopReason = ctx.stopReason;
  history.compile = step.stats;
  await each(cbs, (c) => c.onTrainEnd?.(ctx));
  return history;
}

function prefixed(logs: Logs, p: string): Logs {
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [p + k, v]));
}

function stepScheduler(opts: FitOptions, logs: Logs, monitor: string): void {
  const s = opts.scheduler;
  if (!s) return;
  if (s instanceof ReduceLROnPlateau) {
    const v = logs[monitor];
    if (v === undefined)
      throw new ConfigError(
        `fit: the plateau scheduler watches '${monitor}' but the logs have ${Object.keys(logs).join(', ')}; set schedulerMonitor.`,
      );
    s.step(v);
  } else if ((opts.schedulerInterval ?? 'epoch') === 'epoch') s.step();
}
