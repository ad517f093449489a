import type { CheckpointWriter } from '../src/index.js';

/** A checkpoint writer that keeps files in memory and records the order they were written in. */
export function memoryWriter(): { writer: CheckpointWriter; files: Map<string, Uint8Array>; writes: string[] } {
  const files = new Map<string, Uint8Array>();
  const writes: string[] = [];
  return {
    files,
    writes,
    writer: async (name, bytes) => {
      files.set(name, bytes);
      writes.push(name);
    },
  };
}
