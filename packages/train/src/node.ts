/**
 * @packageDocumentation
 * Node-only helpers of @tessera/train: checkpoint files and logger file sinks.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DataError } from '@tessera/core';
import { writeFileAtomic } from '@tessera/layers/node';
import type { LineSink } from './callbacks/logger.js';
import type { CheckpointWriter } from './callbacks/model-checkpoint.js';
import { type Checkpoint, decodeCheckpoint } from './checkpoint.js';
import { removeStaleTempFiles, writeTextNoFollow } from './node-files.js';

export { processAlive, removeStaleTempFiles, writeTextNoFollow } from './node-files.js';

/** A LineSink that appends lines to a file (creating its directory; never through a symbolic link). */
export function fileSink(path: string): LineSink {
  let ready: Promise<unknown> | null = null;
  return async (line: string) => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await writeTextNoFollow(path, `${line}\n`, 'append');
  };
}

/**
 * A `ModelCheckpoint` writer that puts files in `dir` atomically (temp file, fsync,
 * rename: a symbolic link at the name is replaced, never written through). Before its
 * first write it removes temporary files that a save killed midway left behind.
 */
export function directoryWriter(dir: string): CheckpointWriter {
  let ready: Promise<unknown> | null = null;
  return async (name, bytes) => {
    ready ??= mkdir(dir, { recursive: true }).then(() => removeStaleTempFiles(dir));
    await ready;
    await writeFileAtomic(join(dir, name), bytes);
  };
}

/** Reads a checkpoint file for `fit(..., { resumeFrom })`; errors name the file. */
export async function loadCheckpointFile(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read the checkpoint (${(e as Error).message}).`);
  }
  return decodeCheckpoint(bytes, path);
}
