/**
 * The two architectures the page trains, and recognising which one a safetensors file
 * holds (so weights saved by the page or by `tessera train` load into the right model).
 */
import {
  MODEL_CONFIG_KEY,
  MODEL_FORMAT_KEY,
  MODEL_FORMAT_VERSION,
  type SafetensorsHeader,
  type Sequential,
  type StateDict,
  encodeSafetensorsAsync,
} from '@tessera/layers';
import { buildModel as buildRegistered, mlp } from '@tessera/models';
import type { ModelKind } from '../protocol.js';

/** An architecture: the CNN, or an MLP with these hidden sizes. */
export interface ModelSpec {
  readonly kind: ModelKind;
  /** Hidden layer sizes (MLP only). */
  readonly hidden: readonly number[];
}

/** The MLP the page builds: 784 → 128 → 10 (101,770 parameters). */
export const DEFAULT_MLP_HIDDEN: readonly number[] = [128];

/** A weights file that matches neither architecture. */
export class UnknownWeightsError extends Error {
  override readonly name = 'UnknownWeightsError';
}

/** The spec the page's model selector stands for. */
export function defaultSpec(kind: ModelKind): ModelSpec {
  return { kind, hidden: kind === 'mlp' ? DEFAULT_MLP_HIDDEN : [] };
}

/** A fresh, randomly initialised model (uses the global seeded generator). */
export function buildModel(spec: ModelSpec): Sequential {
  // The CNN is the registry's 'mnist-cnn' (the model `tessera train --model mnist-cnn` builds); the MLP takes the page's hidden sizes.
  return spec.kind === 'cnn'
    ? (buildRegistered('mnist-cnn', { numClasses: 10, inputShape: [1, 28, 28] }) as Sequential)
    : mlp({ inFeatures: 784, hidden: spec.hidden, outFeatures: 10 });
}

/** Short name for file names and labels, e.g. `mnist-cnn` or `mlp-128`. */
export function specName(spec: ModelSpec): string {
  return spec.kind === 'cnn' ? 'mnist-cnn' : `mlp-${spec.hidden.join('-') || 'linear'}`;
}

/**
 * What `tessera predict` needs besides the architecture, written into the page's files
 * (`tessera.run`): MNIST digits, 1×28×28, pixels in [0, 1] as the page feeds them.
 */
export const PAGE_RUN_INFO = JSON.stringify({
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  inputShape: [1, 28, 28],
  normalization: { mean: [0], std: [1] },
});

/**
 * The page's save: a model file (`saveModel`'s format) of `weights` (a snapshot of
 * `model`'s state dict), so `loadModel` and `tessera predict` rebuild it without being told
 * the architecture, plus the page's own notes (`model`, `trainedExamples`).
 */
export function encodePageModel(weights: StateDict, model: Sequential, spec: ModelSpec, trainedExamples: number): Promise<Uint8Array> {
  return encodeSafetensorsAsync(weights, {
    format: 'pt', model: specName(spec), trainedExamples: String(trainedExamples), 'tessera.run': PAGE_RUN_INFO,
    [MODEL_FORMAT_KEY]: String(MODEL_FORMAT_VERSION), [MODEL_CONFIG_KEY]: JSON.stringify(model.getConfig()),
  });
}

/** The spec a model file's own config names (`saveModel`, `tessera train` checkpoints), or undefined for a file without one. */
function specFromConfig(header: SafetensorsHeader, file: string): ModelSpec | undefined {
  const text = header.metadata[MODEL_CONFIG_KEY];
  if (text === undefined) return undefined;
  let config: { type?: unknown; args?: unknown };
  try {
    config = JSON.parse(text) as { type?: unknown; args?: unknown };
  } catch {
    throw new UnknownWeightsError(`${file}: its '${MODEL_CONFIG_KEY}' metadata is not valid JSON; the file is corrupt.`);
  }
  const [opts] = Array.isArray(config.args)
    ? (config.args as { numClasses?: number; inFeatures?: number; hidden?: number[]; outFeatures?: number }[])
    : [];
  if (config.type === 'mnistCnn' && (opts?.numClasses ?? 10) === 10) return { kind: 'cnn', hidden: [] };
  if (config.type === 'mlp' && opts?.inFeatures === 784 && opts.outFeatures === 10 && Array.isArray(opts.hidden))
    return { kind: 'mlp', hidden: [...opts.hidden] };
  throw new UnknownWeightsError(
    `${file}: holds a ${String(config.type)} model (${JSON.stringify(config.args)?.slice(0, 80)}); this page trains only the MNIST CNN ` +
      `and MLPs from 784 inputs to 10 classes. Run it with \`tessera predict\`.`,
  );
}

/**
 * Which architecture a weights file is for. A model file (`saveModel`, `tessera train`
 * checkpoints, the page's own saves) says so in its config; for a file of weights only:
 * any 4-d weight means the CNN; otherwise the
 * `N.weight` matrices of `Sequential` indices must chain 784 → … → 10 (an MLP, whose hidden
 * sizes are read from the shapes). Exact key and shape checks happen when loading.
 */
export function specFromHeader(header: SafetensorsHeader, file: string): ModelSpec {
  const described = specFromConfig(header, file);
  if (described) return described;
  if (header.entries.some((e) => e.shape.length === 4)) return { kind: 'cnn', hidden: [] };
  const weights = header.entries
    .map((e) => ({ index: /^(\d+)\.weight$/.exec(e.name)?.[1], shape: e.shape }))
    .filter((w): w is { index: string; shape: readonly number[] } => w.index !== undefined && w.shape.length === 2)
    .sort((a, b) => Number(a.index) - Number(b.index));
  const chained = weights.every((w, i) => i === 0 || w.shape[1] === weights[i - 1].shape[0]);
  if (weights.length === 0 || !chained || weights[0].shape[1] !== 784 || weights[weights.length - 1].shape[0] !== 10) {
    const found = header.entries.map((e) => `${e.name} [${e.shape.join(', ')}]`).join(', ') || 'no tensors';
    throw new UnknownWeightsError(
      `${file}: these weights are neither the MNIST CNN nor an MLP from 784 inputs to 10 classes (found ${found}). ` +
        'Load a file saved by this page or by `tessera train` with the mnist-cnn or mlp model.',
    );
  }
  return { kind: 'mlp', hidden: weights.slice(0, -1).map((w) => w.shape[0]) };
}
