import { type AnyModule, ModelFileError, StateDictError, modelOfFile } from '@tessera/layers';
import { decodeCheckpoint } from './checkpoint.js';

/** A model rebuilt from a training checkpoint, with the checkpoint's metadata strings. */
export interface CheckpointModel {
  readonly model: AnyModule;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Rebuilds the model a training checkpoint holds, without being told its architecture:
 * the checkpoint carries the model's config (written by `encodeCheckpoint` when the model
 * could describe itself), the model is built from it by name and its weights load
 * strictly (the optimizer's tensors are skipped). A checkpoint without the config is a
 * `ModelFileError` that says to build the model in code and `loadStateDict` its weights.
 * Zoo models need `registerZoo()` from `@tessera/models` first.
 *
 * @example
 * registerZoo();
 * const { model } = await loadCheckpointModel(await readFile('run/best.safetensors'), 'run/best.safetensors');
 */
export async function loadCheckpointModel(bytes: Uint8Array, file = 'checkpoint'): Promise<CheckpointModel> {
  const model = modelOfFile(bytes, file);
  const ck = await decodeCheckpoint(bytes, file);
  try {
    model.loadStateDict(ck.weights);
  } catch (e) {
    model.dispose();
    if (e instanceof StateDictError)
      throw new ModelFileError(`${file}: the weights do not fit the architecture its config describes: ${e.message}`);
    throw e;
  } finally {
    ck.dispose();
  }
  return { model, metadata: ck.metadata };
}
