import { join, resolve } from 'node:path';
import { DataError } from '@tessera/core';
import { expectedChecksum, fileUrls } from '../mirrors.js';
import type { DatasetSource, FileChecksum, Split } from '../resources.js';
import { datasetCacheDir } from './cache.js';
import { downloadFile, type DownloadOptions } from './download.js';
import { fileSize, findFile } from './files.js';

/** Options of `MNIST.load`, `FashionMNIST.load` and `CIFAR10.load`. */
export interface LoadOptions extends DownloadOptions {
  /** Which split (default 'train'). */
  readonly split?: Split;
  /**
   * A directory holding the raw files (for example Debian's
   * `/usr/share/datasets/fashion-mnist`), looked at first. Files here are read as they are
   * (raw or gzip), parsed and validated, but not checksummed: they may be re-packed.
   */
  readonly root?: string;
  /**
   * Download missing files into the cache from the dataset's mirrors (default false:
   * a missing file is a `DataError` saying what to put where).
   */
  readonly download?: boolean;
  /** The cache directory (default: `TESSERA_DATA_DIR`, else the user cache dir); the dataset uses `<dataDir>/<id>/`. */
  readonly dataDir?: string;
  /** Base URLs to download from, tried in order (default: the dataset's public mirrors). */
  readonly mirrors?: readonly string[];
  /** Expected size/SHA-256/MD5 per file name, overriding the published ones (for a private, re-packed mirror). */
  readonly checksums?: Readonly<Record<string, FileChecksum>>;
  /**
   * Most bytes a gzipped file may inflate to (default `MAX_INFLATED_BYTES`, 1 GiB); an IDX
   * file is also held to the size its header declares.
   */
  readonly maxInflatedBytes?: number;
}

/**
 * Where a dataset file is found: `root` (under any of `rootNames`), else the cache (under
 * its download name, if its size is right), else downloaded into the cache when allowed.
 */
export interface Wanted {
  /** The file's name on the mirrors (and in the cache). */
  readonly name: string;
  /** Names it may have in `root` (e.g. raw and .gz). */
  readonly rootNames: readonly string[];
}

function describe(
  source: DatasetSource,
  wanted: readonly Wanted[],
  root: string | undefined,
  cache: string,
  mirrors: readonly string[],
): string {
  const names = wanted.map((w) => w.name).join(', ');
  const where = root ? `${root} or the cache ${cache}` : `the cache ${cache}`;
  const urls = wanted.flatMap((w) => fileUrls(mirrors, w.name).slice(0, 1)).join(', ');
  return (
    `${source.title}: ${names} not found in ${where}. Pass download: true to fetch ${wanted.length > 1 ? 'them' : 'it'} ` +
    `(from ${urls} or its mirrors), or put the file${wanted.length > 1 ? 's' : ''} in ${cache} by hand (see ${source.homepage}), ` +
    `or pass root: the directory that holds them. Set TESSERA_DATA_DIR to cache elsewhere.`
  );
}

/** Finds or downloads each wanted file; returns their paths in order. */
export async function resolveFiles(source: DatasetSource, wanted: readonly Wanted[], opts: LoadOptions): Promise<string[]> {
  const root = opts.root ? resolve(opts.root) : undefined;
  const cache = datasetCacheDir(source, opts.dataDir);
  const mirrors = opts.mirrors ?? source.mirrors;
  // Cached files of the wrong size stay where they are until a verified copy replaces them.
  const kept: string[] = [];
  const found: (string | undefined)[] = wanted.map((w) => {
    const inRoot = root ? findFile(root, w.rootNames) : undefined;
    if (inRoot) return inRoot;
    const cached = join(cache, w.name);
    const size = fileSize(cached);
    if (size < 0) return undefined;
    const expected = expectedChecksum(source, w.name, opts.checksums);
    if (size === expected.size) return cached;
    if (!opts.download) {
      throw new DataError(
        `${cached}: is ${size} bytes, the published ${w.name} is ${expected.size}; move it away (or pass download: true to replace it; ` +
          `it is then kept as ${w.name}.mismatch-<n>).`,
      );
    }
    kept.push(`${cached} (${size} bytes)`);
    return undefined;
  });
  const missing = wanted.filter((_, i) => !found[i]);
  if (missing.length === 0) return found as string[];
  if (!opts.download) throw new DataError(describe(source, missing, root, cache, mirrors));
  const byHand =
    `Download ${missing.map((w) => w.name).join(', ')} by hand (see ${source.homepage}) into ${cache}, ` +
    `or pass root: a directory that holds ${missing.length > 1 ? 'them' : 'it'}.` +
    (kept.length > 0 ? ` The file${kept.length > 1 ? 's' : ''} already there, ${kept.join(', ')}, ${kept.length > 1 ? 'were' : 'was'} ` +
      `left as ${kept.length > 1 ? 'they were' : 'it was'}.` : '');
  for (let i = 0; i < wanted.length; i++) {
    if (found[i]) continue;
    const w = wanted[i];
    found[i] = await downloadFile(w.name, cache, mirrors, expectedChecksum(source, w.name, opts.checksums), { ...opts, manualFix: byHand });
  }
  return found as string[];
}
