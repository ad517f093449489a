/**
 * @packageDocumentation
 * Node-only helpers of @tessera/train: file sinks for the loggers.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LineSink } from './callbacks/logger.js';

/** A LineSink that appends lines to a file (creating its directory). */
export function fileSink(path: string): LineSink {
  let ready: Promise<unknown> | null = null;
  return async (line: string) => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await appendFile(path, `${line}\n`);
  };
}
