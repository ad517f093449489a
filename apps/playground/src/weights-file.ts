/**
 * Recognising which of the page's architectures a safetensors file holds, so weights saved
 * by the page or by `tessera train` load into the right model. Header parsing only (no
 * tensors on the page); the page imports this module when a file is loaded, so Tessera's
 * core stays out of the page's first download.
 */
import { nn } from 'tessera';
import type { ModelSpec as JobModel } from 'tessera/worker';
import { type ModelSpec, modelConfig } from './models.js';

const { MODEL_CONFIG_KEY } = nn;
type SafetensorsHeader = nn.SafetensorsHeader;

/** A weights file that matches neither architecture. */
export class UnknownWeightsError extends Error {
  override readonly name = 'UnknownWeightsError';
}

/**
 * The worker's model spec for a loaded file: a model file (it names its architecture)
 * as it is; weights only go into the architecture their shapes show, loaded strictly.
 */
export function jobModelForFile(bytes: Uint8Array, file: string): { spec: ModelSpec; model: JobModel } {
  const header = nn.readSafetensorsHeader(bytes);
  const spec = specFromHeader(header, file);
  return { spec, model: header.metadata[MODEL_CONFIG_KEY] !== undefined ? { file: bytes } : { config: modelConfig(spec), weights: bytes } };
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
