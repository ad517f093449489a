import { ModelFileError, ModuleConfigError, StateDictError } from '../errors.js';
import { type DecodeOptions, decodeSafetensors } from '../io/decode.js';
import { type SafetensorsMetadata, encodeSafetensorsAsync } from '../io/encode.js';
import { readSafetensorsHeader } from '../io/header.js';
import { loadDecoded } from '../io/weights.js';
import type { AnyModule } from '../module.js';
import type { ModuleConfig } from './record.js';
import { moduleFromConfig } from './registry.js';

/** `__metadata__` key holding the model-file format version. */
export const MODEL_FORMAT_KEY = 'tessera.model';
/** `__metadata__` key holding the module's config as JSON (`module.getConfig()`). */
export const MODEL_CONFIG_KEY = 'tessera.config';
/** The format version this package writes and the newest it reads. */
export const MODEL_FORMAT_VERSION = 1;

/**
 * A module as one safetensors file that carries its architecture: the weights under
 * PyTorch's names (`stateDict()`, as `saveWeights` writes them) and, in `__metadata__`,
 * `"tessera.model": "1"` and `"tessera.config"`, the JSON of `model.getConfig()`
 * (`format: 'pt'` too, so PyTorch tools read the weights). Works on every backend.
 * Throws `ModuleConfigError` naming the layer when part of the model cannot describe itself.
 *
 * @param metadata - more `__metadata__` strings to keep (the Tessera keys win).
 * @example
 * const bytes = await saveModel(resnet('resnet18', { numClasses: 10 }));
 * const again = loadModel(bytes); // no need to say it is a ResNet-18
 */
export async function saveModel(model: AnyModule, metadata: SafetensorsMetadata = {}): Promise<Uint8Array> {
  const config = JSON.stringify(model.getConfig());
  return encodeSafetensorsAsync(model.stateDict(), {
    format: 'pt',
    ...metadata,
    [MODEL_FORMAT_KEY]: String(MODEL_FORMAT_VERSION),
    [MODEL_CONFIG_KEY]: config,
  });
}

/** Options of `loadModel`: where to decode, and the name errors give the bytes. */
export interface LoadModelOptions extends DecodeOptions {
  /** Names the bytes in errors (a path, a URL); default `'model file'`. */
  readonly file?: string;
}

/**
 * The config a model file holds, checked but not built: throws `ModelFileError` (naming
 * `file`) for a file without the Tessera keys, a missing, malformed or newer format
 * version, or config text that is not JSON.
 */
export function readModelConfig(bytes: Uint8Array | ArrayBufferLike, file = 'model file'): ModuleConfig {
  const { metadata } = readSafetensorsHeader(bytes);
  const version = metadata[MODEL_FORMAT_KEY];
  if (version === undefined) {
    throw new ModelFileError(
      `${file}: not a Tessera model file (its __metadata__ has no '${MODEL_FORMAT_KEY}'); it holds only weights: build the model in code ` +
        `and use loadWeights, or re-save it with saveModel.`,
    );
  }
  if (!/^[1-9][0-9]*$/.test(version))
    throw new ModelFileError(
      `${file}: '${MODEL_FORMAT_KEY}' must be a format version like "1" but is ${JSON.stringify(version)}; the file is corrupt.`,
    );
  if (Number(version) > MODEL_FORMAT_VERSION) {
    throw new ModelFileError(
      `${file}: written in model format ${version}, newer than the ${MODEL_FORMAT_VERSION} this @tessera/layers reads; upgrade ` +
        `@tessera/layers.`,
    );
  }
  const text = metadata[MODEL_CONFIG_KEY];
  if (text === undefined)
    throw new ModelFileError(`${file}: has '${MODEL_FORMAT_KEY}' but no '${MODEL_CONFIG_KEY}' (the architecture); the file is corrupt.`);
  try {
    return JSON.parse(text) as ModuleConfig;
  } catch (e) {
    throw new ModelFileError(`${file}: '${MODEL_CONFIG_KEY}' is not valid JSON (${(e as Error).message}); the file is corrupt.`);
  }
}

/**
 * Rebuilds a module from a model file (`saveModel`'s bytes): builds it from the config by
 * name (`registerModule`), then loads the weights strictly. Errors name `opts.file`: a
 * `ModelFileError` for a bad format version, corrupt metadata or weights that do not fit
 * (its message lists the missing, unexpected and mismatched keys), a `ModuleConfigError`
 * for an unknown module name (saying which package registers it). Zoo models need
 * `registerZoo()` from `@tessera/models` first.
 *
 * @example
 * const net = loadModel(bytes, { file: 'net.safetensors' });
 * net.eval();
 */
export function loadModel(bytes: Uint8Array | ArrayBufferLike, opts: LoadModelOptions = {}): AnyModule {
  const file = opts.file ?? 'model file';
  const model = modelOfFile(bytes, file);
  const { tensors } = decodeSafetensors(bytes, opts);
  try {
    loadDecoded(model, tensors, { strict: true });
  } catch (e) {
    if (e instanceof StateDictError)
      throw new ModelFileError(`${file}: the weights do not fit the architecture its config describes: ${e.message}`);
    throw e;
  }
  return model;
}

/**
 * The module a model file (or a checkpoint that records its model) describes, built from
 * the config in its metadata with fresh weights; a config error names `file`.
 */
export function modelOfFile(bytes: Uint8Array | ArrayBufferLike, file: string): AnyModule {
  const config = readModelConfig(bytes, file);
  try {
    return moduleFromConfig(config);
  } catch (e) {
    if (e instanceof ModuleConfigError) e.message = `${file}: ${e.message}`;
    throw e;
  }
}
