import { DataError, type RngState, type Tensor, tensor } from '@tessera/core';
import {
  type AnyModule,
  MODEL_CONFIG_KEY,
  MODEL_FORMAT_KEY,
  MODEL_FORMAT_VERSION,
  ModuleConfigError,
  type SafetensorsMetadata,
  type StateDict,
  decodeSafetensors,
  encodeSafetensorsAsync,
} from '@tessera/layers';
import type { Optimizer, OptimizerStateDict, SerializedTensor } from '@tessera/optim';
import type { CallbackState, History } from './callbacks/callback.js';
import { checkTrainingMeta } from './checkpoint-meta.js';
import type { MetricState } from './metric-parts.js';
import type { Scheduler } from './fit.js';

/** Everything besides tensors that a resumable checkpoint records. */
export interface TrainingState {
  /** Epoch in progress (0-based). */
  readonly epoch: number;
  /** Batches of that epoch already trained (the data-loader position). */
  readonly batchesDone: number;
  /** Optimizer steps taken. */
  readonly step: number;
  /** Generator state now, and when the epoch's shuffle was drawn. */
  readonly rng: RngState;
  readonly rngEpochStart: RngState;
  readonly scheduler: Record<string, unknown> | null;
  readonly history: History;
  /** Running loss of the epoch in progress: sum over examples and count. */
  readonly lossSum: number;
  readonly lossCount: number;
  /** Accumulators of the training metrics in the epoch in progress, by metric name (format 2). */
  readonly metrics: Readonly<Record<string, MetricState>>;
  /** Callback states by key (`ModelCheckpoint`'s best value, `EarlyStopping`'s counters; format 2). */
  readonly callbacks: Readonly<Record<string, CallbackState>>;
}

/** What `decodeCheckpoint` returns. */
export interface Checkpoint {
  readonly weights: StateDict;
  readonly optimizer: OptimizerStateDict;
  readonly state: TrainingState;
  /** The file's `__metadata__` strings (the model's config when it described itself, anything the writer added). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Frees the decoded tensors. */
  dispose(): void;
}

const META_KEY = 'tessera.training';
const OPT_PREFIX = 'optimizer/';
// Format 2 adds metric and callback states; format 1 files still load (with none).
const FORMAT = 'tessera-checkpoint-2';
const READABLE = new Set(['tessera-checkpoint-1', FORMAT]);

function isSerialized(v: unknown): v is SerializedTensor {
  return typeof v === 'object' && v !== null && Array.isArray((v as SerializedTensor).data) && Array.isArray((v as SerializedTensor).shape);
}

/**
 * One safetensors file holding the model's weights under their own names (so
 * `loadWeights(model, bytes, { strict: false })` and PyTorch tools read them), the
 * optimizer's tensors under `optimizer/<param>/<name>`, and the rest of the training
 * state as JSON metadata. When the model can describe itself (`getConfig()`), its config is
 * written as a model file does (`tessera.model`, `tessera.config`), so the checkpoint
 * rebuilds its own architecture (`loadCheckpointModel`); `metadata` adds more strings
 * (the Tessera keys win).
 */
export async function encodeCheckpoint(
  model: AnyModule,
  optimizer: Optimizer,
  scheduler: Scheduler | undefined,
  state: Omit<TrainingState, 'scheduler'>,
  metadata: SafetensorsMetadata = {},
): Promise<Uint8Array> {
  const opt = await optimizer.stateDictAsync();
  const tensors: Record<string, Tensor> = { ...model.stateDict() };
  const created: Tensor[] = [];
  const optState: Record<string, Record<string, number | { $tensor: string }>> = {};
  for (const [idx, entries] of Object.entries(opt.state)) {
    optState[idx] = {};
    for (const [k, v] of Object.entries(entries)) {
      if (isSerialized(v)) {
        const key = `${OPT_PREFIX}${idx}/${k}`;
        const t = tensor(v.data, { shape: v.shape, dtype: v.dtype });
        created.push(t);
        tensors[key] = t;
        optState[idx][k] = { $tensor: key };
      } else optState[idx][k] = v;
    }
  }
  const meta = {
    format: FORMAT,
    ...state,
    scheduler: scheduler ? scheduler.stateDict() : null,
    optimizer: { state: optState, paramGroups: opt.paramGroups },
  };
  try {
    return await encodeSafetensorsAsync(tensors, { ...metadata, ...architecture(model), [META_KEY]: JSON.stringify(meta) });
  } finally {
    created.forEach((t) => t.dispose());
  }
}

/** The model-file keys for a model that can describe itself; none for one that cannot (a custom layer without a config). */
function architecture(model: AnyModule): SafetensorsMetadata {
  try {
    return { [MODEL_FORMAT_KEY]: String(MODEL_FORMAT_VERSION), [MODEL_CONFIG_KEY]: JSON.stringify(model.getConfig()) };
  } catch (e) {
    if (e instanceof ModuleConfigError) return {};
    throw e;
  }
}

/** Reads a checkpoint written by `encodeCheckpoint`; `file` names it in errors. */
export async function decodeCheckpoint(bytes: Uint8Array, file = 'checkpoint'): Promise<Checkpoint> {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const raw = metadata[META_KEY];
  const all = Object.values(tensors);
  const fail = (why: string): never => {
    all.forEach((t) => t.dispose());
    throw new DataError(`${file}: ${why}`);
  };
  if (raw === undefined) fail(`no '${META_KEY}' metadata: this is a weights file, not a training checkpoint (load it with loadWeights).`);
  let meta: TrainingState & {
    format: string;
    optimizer: { state: Record<string, Record<string, number | { $tensor: string }>>; paramGroups: OptimizerStateDict['paramGroups'] };
  };
  try {
    meta = JSON.parse(raw as string);
  } catch (e) {
    return fail(`training metadata is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof meta !== 'object' || meta === null) return fail('training metadata is not a JSON object.');
  if (!READABLE.has(meta.format)) fail(`unknown checkpoint format '${String(meta.format)}' (expected ${[...READABLE].join(' or ')}).`);
  let resume: ReturnType<typeof checkTrainingMeta>;
  try {
    resume = checkTrainingMeta(file, meta as unknown as Record<string, unknown>);
  } catch (e) {
    all.forEach((t) => t.dispose());
    throw e;
  }
  if (typeof meta.optimizer !== 'object' || meta.optimizer === null || typeof meta.optimizer.state !== 'object')
    fail(`training metadata field 'optimizer' must be { state, paramGroups }.`);
  const weights: StateDict = {};
  for (const [k, t] of Object.entries(tensors)) if (!k.startsWith(OPT_PREFIX)) weights[k] = t;
  const state: OptimizerStateDict['state'] = {};
  for (const [idx, entries] of Object.entries(meta.optimizer.state)) {
    const out: Record<string, number | SerializedTensor> = {};
    for (const [k, v] of Object.entries(entries)) {
      if (typeof v === 'number') out[k] = v;
      else {
        const t = tensors[v.$tensor];
        if (!t) fail(`optimizer tensor '${v.$tensor}' is missing.`);
        out[k] = { shape: [...t.shape], dtype: t.dtype, data: Array.from((await t.data()) as ArrayLike<number>) };
      }
    }
    state[Number(idx)] = out;
  }
  const { optimizer: _o, format: _f, ...rest } = meta;
  return {
    weights,
    optimizer: { state, paramGroups: meta.optimizer.paramGroups },
    state: { ...rest, ...resume },
    metadata,
    dispose: () => all.forEach((t) => t.dispose()),
  };
}
