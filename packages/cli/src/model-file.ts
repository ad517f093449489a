import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type AnyModule, type Layer, ModelFileError, loadModel, readSafetensorsHeader } from '@tessera/layers';
import { registerZoo } from '@tessera/models';
import { OnnxModule, importOnnx } from '@tessera/onnx';
import { loadCheckpointModel } from '@tessera/train';
import { loadCheckpointFile } from '@tessera/train/node';
import { CliError } from './errors.js';
import { modelSpec } from './models.js';
import type { ImageShape } from './models.js';

/** `__metadata__` key where `tessera train` records what a model needs besides its architecture. */
export const RUN_INFO_KEY = 'tessera.run';

/** What predict/eval/export need to feed a model: the data it was trained on and how it was prepared. */
interface RunInfo {
  readonly dataset?: string;
  /** The image folder or manifest `tessera train --data` trained on (its images were centre-cropped, alpha dropped, never inverted). */
  readonly imageFolder?: string;
  readonly classes?: readonly string[];
  readonly inputShape?: ImageShape;
  readonly normalization?: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** A model file opened by {@link openModel}. */
export interface OpenedModel {
  /** The model, one image batch in, logits out. */
  readonly net: Layer;
  /** The file read (a run directory resolves to its best.safetensors). */
  readonly file: string;
  /** What kind of file it was. */
  readonly kind: 'onnx' | 'model file' | 'checkpoint' | 'checkpoint + config.json';
  /** What the file (its metadata, the graph's input, or the run's config.json) tells. */
  readonly info: RunInfo;
}

/** Run info as recorded (a checkpoint's `tessera.run`, a run's config.json); none for no text. */
function parseRunInfo(text: string | undefined, where: string): RunInfo & { readonly model?: string } {
  if (text === undefined) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as RunInfo;
  } catch {
    // reported below
  }
  throw new CliError(`${where} is not a JSON object of dataset, classes, inputShape and normalization; the file is corrupt.`);
}

/** The config.json of a run beside `file`, if any. */
function runConfigBeside(file: string): (RunInfo & { readonly model?: string }) | undefined {
  const cfgPath = join(dirname(file), 'config.json');
  return existsSync(cfgPath) ? parseRunInfo(readFileSync(cfgPath, 'utf8'), cfgPath) : undefined;
}

/** The image shape [C, H, W] of an ONNX graph's input (its first dimension is the batch), when all three are fixed. */
function onnxInputShape(net: OnnxModule): ImageShape | undefined {
  const dims = net.inputShapes[0];
  if (!dims || dims.length !== 4) return undefined;
  const [, c, h, w] = dims;
  return typeof c === 'number' && typeof h === 'number' && typeof w === 'number' ? [c, h, w] : undefined;
}

/** A module that takes one tensor and returns one: what predict and eval run. */
function asLayer(m: AnyModule, file: string): Layer {
  if (m instanceof OnnxModule && (m.inputNames.length !== 1 || m.outputNames.length !== 1)) {
    throw new CliError(
      `${file}: the graph takes ${m.inputNames.length} input(s) and gives ${m.outputNames.length} output(s); tessera predict/eval run ` +
        `graphs with one image input and one logits output.`,
    );
  }
  return m as Layer;
}

/**
 * Opens any model file the CLI knows without being told the architecture: an ONNX file
 * (`.onnx`: imported), a model file (`saveModel`), a checkpoint of `tessera train`
 * (it carries its config) or a run directory (its best.safetensors). Older checkpoints
 * without a config are rebuilt from the config.json beside them. Zoo models are registered
 * first. Errors name the file and say what it holds instead.
 */
export async function openModel(path: string): Promise<OpenedModel> {
  if (!existsSync(path)) throw new CliError(`model ${path} does not exist.`);
  const file = statSync(path).isDirectory() ? join(path, 'best.safetensors') : path;
  if (!existsSync(file)) throw new CliError(`${file} does not exist; did the run finish an epoch?`);
  const bytes = new Uint8Array(readFileSync(file));
  if (/\.onnx$/i.test(file)) {
    const net = importOnnx(bytes);
    return { net: asLayer(net, file), file, kind: 'onnx', info: { inputShape: onnxInputShape(net) } };
  }
  let metadata: Readonly<Record<string, string>>;
  try {
    metadata = readSafetensorsHeader(bytes).metadata;
  } catch (e) {
    throw new CliError(`${file}: neither an ONNX file (name it .onnx) nor a safetensors model file (${(e as Error).message}).`);
  }
  registerZoo();
  const beside = runConfigBeside(file);
  const info: RunInfo = { ...beside, ...parseRunInfo(metadata[RUN_INFO_KEY], `${file}: metadata '${RUN_INFO_KEY}'`) };
  const training = metadata['tessera.training'] !== undefined;
  if (metadata['tessera.model'] !== undefined) {
    const net = training ? (await loadCheckpointModel(bytes, file)).model : loadModel(bytes, { file });
    return { net: asLayer(net, file), file, kind: training ? 'checkpoint' : 'model file', info };
  }
  if (training && beside?.model) {
    // A checkpoint from before checkpoints carried their architecture: its run's config.json names the model.
    if (!beside.classes || !beside.inputShape)
      throw new CliError(`${join(dirname(file), 'config.json')}: has no classes or inputShape; the run's config is incomplete.`);
    const net = modelSpec(beside.model).build(beside.classes.length, beside.inputShape);
    const ck = await loadCheckpointFile(file);
    try {
      net.loadStateDict(ck.weights);
    } finally {
      ck.dispose();
    }
    return { net, file, kind: 'checkpoint + config.json', info };
  }
  throw new ModelFileError(
    `${file}: holds weights but not the architecture (no 'tessera.model' in its ` +
      `metadata${training ? ' and no config.json of a run beside it' : ''}); write it with saveModel or tessera train, or export the ` +
        `model to ONNX.`,
  );
}

/** Parses `--input-shape C,H,W`. */
export function parseInputShape(text: string | undefined): ImageShape | undefined {
  if (text === undefined) return undefined;
  const v = text.split(/[,x×]/).map(Number);
  if (v.length !== 3 || !v.every((n) => Number.isInteger(n) && n > 0))
    throw new CliError(`--input-shape must be C,H,W (three positive integers, e.g. 1,28,28) but is '${text}'.`);
  return [v[0], v[1], v[2]];
}

/** Parses a comma-separated list of numbers (`--mean 0.5,0.5,0.5`). */
function parseNumbers(option: string, text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const v = text.split(',').map(Number);
  if (v.length === 0 || !v.every(Number.isFinite))
    throw new CliError(`--${option} must be comma-separated numbers (e.g. 0.1307) but is '${text}'.`);
  return v;
}

/** Options shared by predict and eval that say what a bare model file cannot. */
export const MODEL_INFO_OPTIONS = {
  'input-shape': { type: 'string', help: 'image shape C,H,W the model takes (default: what the file records, or its ONNX input)' },
  mean: { type: 'string', help: 'per-channel mean subtracted from pixels in [0, 1] (default: the run\'s, else 0)' },
  std: { type: 'string', help: 'per-channel standard deviation pixels are divided by (default: the run\'s, else 1)' },
} as const;

/** The input shape and normalisation to use: options first, then what the file tells; errors say which option to give. */
export function resolveFeed(
  opened: OpenedModel,
  a: Record<string, unknown>,
  command: string,
): { inputShape: ImageShape; mean: number[]; std: number[] } {
  const inputShape = parseInputShape(a.inputShape as string | undefined) ?? opened.info.inputShape;
  if (!inputShape)
    throw new CliError(
      `tessera ${command}: ${opened.file} does not record the image shape it takes; give --input-shape C,H,W (e.g. 1,28,28).`,
    );
  const c = inputShape[0];
  const channels = (v: number[], name: string): number[] => {
    if (v.length === 1) return Array(c).fill(v[0]) as number[];
    if (v.length !== c) throw new CliError(`--${name} has ${v.length} values but the model takes ${c} channel(s); give 1 or ${c}.`);
    return v;
  };
  const mean = channels(parseNumbers('mean', a.mean as string | undefined) ?? [...(opened.info.normalization?.mean ?? [0])], 'mean');
  const std = channels(parseNumbers('std', a.std as string | undefined) ?? [...(opened.info.normalization?.std ?? [1])], 'std');
  return { inputShape, mean, std };
}
