/**
 * @packageDocumentation
 * Node-only helpers of `@tessera/layers` (import from `@tessera/layers/node`): safetensors
 * files on disk, written atomically. The main entry stays browser-safe.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type DecodeOptions, type DecodedSafetensors, decodeSafetensors } from './io/decode.js';
import { type SafetensorsMetadata, encodeSafetensorsAsync } from './io/encode.js';
import { type LoadWeightsOptions, loadDecoded } from './io/weights.js';
import { type LoadModelOptions, loadModel, saveModel } from './config/model-file.js';
import { type AnyModule, Module } from './module.js';
import type { LoadStateDictResult, StateDict } from './state.js';

/**
 * Re-throws `e` with the file named first in its message. The error object is kept (its
 * class, a StateDictError's key lists, a Node error's `code`) so callers can still tell
 * errors apart.
 */
function naming(path: string, e: unknown): never {
  if (e instanceof Error) {
    if (!e.message.startsWith(`${path}: `)) e.message = `${path}: ${e.message}`;
    throw e;
  }
  throw new Error(`${path}: ${String(e)}`);
}

/** Flushes a directory entry change (the rename) to disk where the OS allows it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some systems (Windows) cannot open or fsync a directory; the rename is still atomic.
  }
}

/**
 * Writes `bytes` to `path` atomically: into a fresh temporary file in the same directory,
 * fsync, then rename over `path`. Readers see the old file or the new one, never half a
 * file; on any failure the temporary file is removed and `path` is untouched.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const h = await open(tmp, 'wx');
    try {
      await h.writeFile(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    naming(path, e);
  }
  await syncDir(dirname(path));
}

/**
 * Saves a module's weights (its `stateDict()`) or a dict of named tensors as a
 * safetensors file, atomically (see `writeFileAtomic`). Works on every backend (reads
 * back with `await t.data()`). Errors name the file.
 *
 * @example
 * await saveSafetensorsFile('mlp.safetensors', mlp, { format: 'pt' });
 */
export async function saveSafetensorsFile(
  path: string,
  moduleOrDict: AnyModule | Readonly<StateDict>,
  metadata?: SafetensorsMetadata,
): Promise<void> {
  const dict = moduleOrDict instanceof Module ? moduleOrDict.stateDict() : moduleOrDict;
  let bytes: Uint8Array;
  try {
    bytes = await encodeSafetensorsAsync(dict, metadata);
  } catch (e) {
    return naming(path, e);
  }
  await writeFileAtomic(path, bytes);
}

/**
 * Reads a safetensors file into new tensors (see `decodeSafetensors`); a corrupt or
 * truncated file throws a `DataError` that starts with its path.
 *
 * @example
 * const { tensors, metadata } = await loadSafetensorsFile('resnet18.safetensors');
 */
export async function loadSafetensorsFile(path: string, opts: DecodeOptions = {}): Promise<DecodedSafetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
    return decodeSafetensors(bytes, opts);
  } catch (e) {
    return naming(path, e);
  }
}

/**
 * Loads a safetensors file into a module in place (`loadStateDict`, strict by default);
 * the decoded tensors are freed afterwards.
 *
 * @example
 * await loadWeightsFile(net, 'net.safetensors');
 */
export async function loadWeightsFile(module: AnyModule, path: string, opts: LoadWeightsOptions = {}): Promise<LoadStateDictResult> {
  const { tensors } = await loadSafetensorsFile(path, opts);
  try {
    return loadDecoded(module, tensors, opts);
  } catch (e) {
    return naming(path, e);
  }
}

/**
 * Saves a model and its architecture as one safetensors file (`saveModel`), atomically.
 * Errors name the file.
 *
 * @example
 * await saveModelFile('net.safetensors', net);
 */
export async function saveModelFile(path: string, model: AnyModule, metadata?: SafetensorsMetadata): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await saveModel(model, metadata);
  } catch (e) {
    return naming(path, e);
  }
  await writeFileAtomic(path, bytes);
}

/**
 * Rebuilds a model from a file written by `saveModelFile` (`loadModel`: architecture from
 * its metadata, weights loaded strictly). Errors start with the path.
 *
 * @example
 * const net = await loadModelFile('net.safetensors');
 */
export async function loadModelFile(path: string, opts: Omit<LoadModelOptions, 'file'> = {}): Promise<AnyModule> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    return naming(path, e);
  }
  return loadModel(bytes, { ...opts, file: path });
}
