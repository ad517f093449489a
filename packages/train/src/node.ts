/**
 * @packageDocumentation
 * Node-only helpers of @tessera/train: checkpoint files and logger file sinks.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DataError } from '@tessera/core';
import { writeFileAtomic } from '@tessera/layers/node';
import type { LineSink } from './callbacks/logger.js';
import type { CheckpointWriter } from './callbacks/model-checkpoint.js';
import { type Checkpoint, decodeCheckpoint } from './checkpoint.js';

/** A LineSink that appends lines to a file (creating its directory). */
export function fileSink(path: string): LineSink {
  let ready: Promise<unknown> | null = null;
  return async (line: string) => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await appendFile(path, `${line}\n`);
  };
}

/** A `ModelCheckpoint` writer that puts files in `dir` atomically (temp file, fsync, rename). */
export function directoryWriter(dir: string): CheckpointWriter {
  return async (name, bytes) => {
    await mkdir(dir, { recursive: true });
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
