import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '@tessera/core';
import type { DatasetDescriptor, DatasetFiles } from '../dataset-registry.js';
import { checksumMismatch, expectedChecksum } from '../mirrors.js';
import { datasetCacheDir } from './cache.js';
import { findFile, readDataFile } from './files.js';
import { resolveFiles, type LoadOptions } from './resolve.js';

/** Checks a file shipped in a package (a `file:` mirror) against its published checksum. */
function checkShipped(d: DatasetDescriptor, name: string, path: string, opts: LoadOptions): void {
  const raw = readFileSync(path);
  const why = checksumMismatch(expectedChecksum(d.source, name, opts.checksums), {
    size: raw.length,
    sha256: createHash('sha256').update(raw).digest('hex'),
  });
  if (why) throw new DataError(`${d.title}: ${path}: ${why}; the package that ships it is damaged: reinstall it.`);
}

/**
 * The Node `DatasetFiles` of a descriptor: a file is looked for in `root` (or, without
 * one and unless `searchLocalDirs` is false, the descriptor's `localDirs`), then among files shipped in a package (`file:`
 * mirrors, checksummed), then in the cache, then downloaded from the remote mirrors
 * (`download: true`), verified and cached. `onFile` hears each path read.
 */
export function nodeDatasetFiles(
  d: DatasetDescriptor,
  opts: LoadOptions,
  onFile?: (path: string) => void,
  searchLocalDirs = true,
): DatasetFiles {
  const root = opts.root ?? (searchLocalDirs ? d.localDirs?.find((dir) => existsSync(dir)) : undefined);
  const shipped = d.source.mirrors.filter((m) => m.startsWith('file:')).map((m) => fileURLToPath(m));
  const remote = (opts.mirrors ?? d.source.mirrors).filter((m) => !m.startsWith('file:'));
  const source = { ...d.source, mirrors: remote };
  const cache = datasetCacheDir(d.source, opts.dataDir);
  const read = (path: string, limits = {}) => {
    onFile?.(path);
    return { bytes: readDataFile(path, { ...limits, maxBytes: opts.maxInflatedBytes }), file: path };
  };
  return {
    async read(reqs) {
      const found = reqs.map((req) => {
        const inRoot = root ? findFile(resolve(root), [req.name, ...(req.localNames ?? [])]) : undefined;
        if (inRoot) return inRoot;
        for (const dir of shipped) {
          const path = findFile(dir, [req.name]);
          if (path) {
            checkShipped(d, req.name, path, opts);
            return path;
          }
        }
        return undefined;
      });
      const missing = reqs
        .filter((_, i) => found[i] === undefined)
        .map((req) => ({ name: req.name, rootNames: [req.name, ...(req.localNames ?? [])] }));
      const fetched = missing.length > 0 ? await resolveFiles(source, missing, { ...opts, root }) : [];
      return reqs.map((req, i) => read(found[i] ?? fetched.shift()!, req.limits));
    },
    local(paths, limits) {
      const dirs = root ? [resolve(root), cache] : [cache];
      for (const dir of dirs) {
        const path = findFile(dir, paths);
        if (path) return Promise.resolve(read(path, limits));
      }
      return Promise.resolve(undefined);
    },
  };
}
