/**
 * Turns a serialisable `TrainingSpec` into the live objects `fit` needs, in the worker:
 * the model (zoo name, module config, or model file), the data (arrays or a registered
 * dataset) and the optimizer.
 */
import { ConfigError, type Tensor, dispose, keep, tensor } from '@tessera/core';
import { DataLoader, type Dataset, type ImageDataset, fetchDataset, stratifiedSplit, subset } from '@tessera/datasets';
import { type AnyModule, loadModel, loadWeights, moduleFromConfig } from '@tessera/layers';
import { buildModel, buildTextModel } from '@tessera/models';
import { type Optimizer, optimizer } from '@tessera/optim';
import { type ArrayData, type DataSource, splitArrays } from '../data.js';
import type { ArrayPayload, DataSpec, ModelSpec, TrainingSpec, TransferReport } from './protocol.js';
import { transferModel, transferOptimizer } from './transfer.js';

/** Loads a split of a registered dataset in the worker (default: `fetchDataset`). */
export type DatasetLoader = (
  name: string,
  opts: {
    readonly split: 'train' | 'test';
    readonly mirrors?: readonly string[];
    readonly checksums?: DatasetChecksums;
    readonly options?: Readonly<Record<string, unknown>>;
  },
) => Promise<ImageDataset>;

type DatasetChecksums = Readonly<Record<string, { readonly size: number; readonly sha256: string }>>;

/** The default `DatasetLoader`: a verified fetch from the dataset's (or the spec's) mirrors. */
export const fetchLoader: DatasetLoader = (name, o) =>
  fetchDataset(name, {
    split: o.split,
    ...(o.mirrors ? { mirrors: [...o.mirrors] } : {}),
    ...(o.checksums ? { checksums: o.checksums } : {}),
    ...(o.options ?? {}),
  });

/** A tensor from a payload: bytes scaled to [0, 1] float32, the others as they are. */
export function tensorOf(p: ArrayPayload, what: string): Tensor {
  const size = p.shape.reduce((a, b) => a * b, 1);
  if (!Array.isArray(p.shape) || p.data?.length !== size) {
    throw new ConfigError(
      `training spec: ${what} has ${String(p.data?.length)} values but its shape [${String(p.shape)}] holds ${size}; ` +
        'send { data, shape } with data.length = the product of shape.',
    );
  }
  if (p.data instanceof Uint8Array)
    return tensor(
      Float32Array.from(p.data, (v) => v / 255),
      { shape: [...p.shape] },
    );
  if (p.data instanceof Int32Array) return tensor(p.data, { shape: [...p.shape], dtype: 'int32' });
  if (p.data instanceof Float32Array) return tensor(p.data, { shape: [...p.shape] });
  throw new ConfigError(`training spec: ${what}.data must be a Float32Array, Int32Array or Uint8Array.`);
}

/** A payload from a tensor (float32 or int32 values). */
export async function payloadOf(t: Tensor): Promise<ArrayPayload> {
  const values = await t.data();
  const data = t.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
  return { data, shape: [...t.shape] };
}

/** A job's model and optimizer, with the transfer report of a `transfer` spec. */
export interface JobModel {
  readonly model: AnyModule;
  readonly optimizer: Optimizer;
  readonly transfer?: TransferReport;
}

/** Builds the model a spec names (uses the global seeded generator, so seed first). */
function modelOf(spec: ModelSpec): AnyModule {
  if ('file' in spec) return loadModel(spec.file, { file: 'the spec’s model file' });
  if ('config' in spec) {
    const model = moduleFromConfig(spec.config, 'spec.model.config');
    if (spec.weights) loadWeights(model, spec.weights);
    return model;
  }
  if ('text' in spec) return buildTextModel(spec.name, spec.text);
  if ('name' in spec) return buildModel(spec.name, { numClasses: spec.numClasses, inputShape: spec.inputShape });
  throw new ConfigError(
    'training spec: model must be { name, numClasses, inputShape }, { name, text: { srcVocabSize, blockSize, … } }, ' +
      `{ config, weights? }, { file } or { transfer }; ` +
      `got keys ${Object.keys(spec as object).join(', ') || 'none'}.`,
  );
}

/** The model and optimizer a spec describes (a transfer spec: backbone loaded, maybe frozen). */
export function jobModelOf(spec: TrainingSpec): JobModel {
  const m = spec.model;
  if (typeof m === 'object' && m !== null && 'transfer' in m) {
    const { model, report } = transferModel(m.transfer);
    try {
      const opt = transferOptimizer(m.transfer, model, report.head, spec.optimizer);
      const trainable = model.numParameters(true);
      const transfer = { ...report, trainableParameters: trainable, frozenParameters: model.numParameters() - trainable };
      return { model, optimizer: opt, transfer };
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  const model = modelOf(m);
  try {
    return { model, optimizer: optimizer(spec.optimizer?.name, model.parameters(), { ...(spec.optimizer?.options ?? {}) }) };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Data ready for `fit`, with what the `ready` event reports. */
export interface PreparedData {
  readonly train: DataSource;
  readonly validation: DataSource | undefined;
  readonly trainExamples: number;
  readonly validationExamples: number;
  readonly stepsPerEpoch: number;
  /** Whether targets are class indices (then `accuracy` is the default metric). */
  readonly classes: boolean;
  /** The first `n` validation (else training) examples as tensors. */
  samples(n: number): Promise<{ x: ArrayPayload; y: ArrayPayload } | undefined>;
  dispose(): void;
}

type Loaded =
  | { kind: 'arrays'; data: ArrayData }
  | { kind: 'dataset'; data: Dataset<unknown, unknown> & { readonly length: number }; labels: ArrayLike<number>; classes?: false };

/** Arrays of a model with several inputs (`x` a list): rows gathered per batch into `{ x: [inputs…], y }`. */
class InputsDataset implements Dataset<{ x: Tensor[]; y: Tensor }, { x: Tensor[]; y: Tensor }> {
  constructor(
    readonly xs: readonly Tensor[],
    readonly y: Tensor,
  ) {}

  get length(): number {
    return this.y.shape[0]!;
  }

  get(i: number): { x: Tensor[]; y: Tensor } {
    return this.getBatch([i]);
  }

  getBatch(indices: readonly number[]): { x: Tensor[]; y: Tensor } {
    const rows = tensor(Int32Array.from(indices), { dtype: 'int32' });
    try {
      return { x: this.xs.map((t) => t.indexSelect(0, rows)), y: this.y.indexSelect(0, rows) };
    } finally {
      rows.dispose();
    }
  }
}

function loadInputs(spec: { readonly x: readonly ArrayPayload[]; readonly y: ArrayPayload }, what: string, owned: Tensor[]): Loaded {
  if (spec.x.length === 0) throw new ConfigError(`training spec: ${what}.x is an empty list; give one payload per model input.`);
  const xs = spec.x.map((p, i) => keep(tensorOf(p, `${what}.x[${i}]`)));
  owned.push(...xs);
  const y = keep(tensorOf(spec.y, `${what}.y`));
  owned.push(y);
  const n = y.shape[0];
  xs.forEach((x, i) => {
    if (x.shape[0] !== n)
      throw new ConfigError(
        `training spec: ${what}.x[${i}] has ${x.shape[0]} rows but ${what}.y has ${n}; give every input one row per example.`,
      );
  });
  return { kind: 'dataset', data: new InputsDataset(xs, y), labels: new Int32Array(n), classes: false };
}

async function load(spec: DataSpec, loader: DatasetLoader, what: string, owned: Tensor[]): Promise<Loaded> {
  if ('x' in spec && Array.isArray(spec.x)) return loadInputs(spec as { x: readonly ArrayPayload[]; y: ArrayPayload }, what, owned);
  if ('x' in spec) {
    const x = tensorOf(spec.x as ArrayPayload, `${what}.x`);
    try {
      return { kind: 'arrays', data: { x: keep(x), y: keep(tensorOf(spec.y, `${what}.y`)) } };
    } catch (e) {
      x.dispose();
      throw e;
    }
  }
  if (typeof spec.dataset !== 'string') throw new ConfigError(`training spec: ${what} must be { x, y } arrays or { dataset: name }.`);
  const ds = await loader(spec.dataset, {
    split: spec.split ?? 'train',
    mirrors: spec.mirrors,
    checksums: spec.checksums,
    options: spec.options,
  });
  if (spec.limit === undefined || spec.limit >= ds.length) return { kind: 'dataset', data: ds, labels: ds.labels };
  if (!(Number.isInteger(spec.limit) && spec.limit > 0))
    throw new ConfigError(`training spec: ${what}.limit must be a positive integer; got ${spec.limit}.`);
  const idx = Array.from({ length: spec.limit }, (_, i) => i);
  return { kind: 'dataset', data: subset(ds, idx), labels: ds.labels.subarray(0, spec.limit) };
}

function count(d: Loaded): number {
  return d.kind === 'arrays' ? d.data.x.shape[0] : d.data.length;
}

/** Holds out `fraction` of a dataset, stratified by class. */
function splitDataset(d: Extract<Loaded, { kind: 'dataset' }>, fraction: number, seed: number): [Loaded, Loaded] {
  if (!(fraction > 0 && fraction < 1)) throw new ConfigError(`training spec: validationSplit must be in (0, 1); got ${fraction}.`);
  const { train, validation } = stratifiedSplit(d.labels, fraction, seed);
  const pick = (idx: Int32Array): Loaded => ({
    kind: 'dataset',
    data: subset(d.data, idx),
    labels: Int32Array.from(idx, (i) => d.labels[i]),
    ...(d.classes === false ? { classes: false as const } : {}),
  });
  return [pick(train), pick(validation)];
}

function source(d: Loaded, batchSize: number, shuffle: boolean): DataSource {
  return d.kind === 'arrays' ? d.data : new DataLoader(d.data, { batchSize, shuffle });
}

async function firstExamples(d: Loaded, n: number): Promise<{ x: ArrayPayload; y: ArrayPayload }> {
  const k = Math.min(n, count(d));
  const idx = Array.from({ length: k }, (_, i) => i);
  let batch: { x: Tensor; y: Tensor };
  if (d.kind === 'arrays') {
    const rows = tensor(Int32Array.from(idx), { dtype: 'int32' });
    batch = { x: d.data.x.indexSelect(0, rows), y: d.data.y.indexSelect(0, rows) };
    rows.dispose();
  } else {
    if (!d.data.getBatch) throw new ConfigError('training spec: sampleExamples needs a dataset with getBatch (image datasets have it).');
    batch = d.data.getBatch(idx) as { x: Tensor; y: Tensor };
  }
  try {
    return { x: await payloadOf(batch.x), y: await payloadOf(batch.y) };
  } finally {
    dispose([batch.x, batch.y]);
  }
}

/** Loads the spec's data (and validation data), split as it asks. */
export async function prepareData(spec: TrainingSpec, loader: DatasetLoader): Promise<PreparedData> {
  if (!(Number.isInteger(spec.batchSize) && spec.batchSize > 0))
    throw new ConfigError(`training spec: batchSize must be a positive integer; got ${spec.batchSize}.`);
  if (spec.validationSplit !== undefined && spec.validationData !== undefined)
    throw new ConfigError('training spec: give validationSplit or validationData, not both.');
  const owned: Tensor[] = [];
  const own = (l: Loaded): Loaded => (l.kind === 'arrays' && owned.push(l.data.x, l.data.y), l);
  try {
    let train = own(await load(spec.data, loader, 'data', owned));
    let val = spec.validationData ? own(await load(spec.validationData, loader, 'validationData', owned)) : undefined;
    if (spec.validationSplit !== undefined) {
      if (train.kind === 'arrays') {
        const s = await splitArrays(train.data, spec.validationSplit, spec.seed ?? 0);
        [train, val] = [
          own({ kind: 'arrays', data: { x: keep(s.train.x), y: keep(s.train.y) } }),
          own({ kind: 'arrays', data: { x: keep(s.val.x), y: keep(s.val.y) } }),
        ];
      } else [train, val] = splitDataset(train, spec.validationSplit, spec.seed ?? 0);
    }
    const shuffle = spec.shuffle ?? true;
    const trainSource = source(train, spec.batchSize, shuffle);
    const n = count(train);
    const classes = train.kind === 'dataset' ? train.classes !== false : train.data.y.dtype === 'int32';
    return {
      train: trainSource,
      validation: val && source(val, spec.batchSize, false),
      trainExamples: n,
      validationExamples: val ? count(val) : 0,
      stepsPerEpoch: trainSource instanceof DataLoader ? trainSource.length : Math.ceil(n / spec.batchSize),
      classes,
      samples: (k) => (k > 0 ? firstExamples(val ?? train, k) : Promise.resolve(undefined)),
      dispose: () => dispose(owned),
    };
  } catch (e) {
    dispose(owned);
    throw e;
  }
}
