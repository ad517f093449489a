import { ConfigError } from '@tessera/core';
import type { NamedBytes } from './assemble.js';
import { BUILTIN_DATASETS } from './catalog/builtin.js';
import type { InflateLimits } from './gzip.js';
import type { ImageDataset } from './image-dataset.js';
import type { DatasetSource, Split } from './resources.js';

/** Image shape `[C, H, W]`. */
export type ImageShape = readonly [channels: number, height: number, width: number];

/** A file a dataset descriptor asks its `DatasetFiles` for. */
export interface FileRequest {
  /** The file's name in the descriptor's `source.files` (checksummed; downloadable from its mirrors). */
  readonly name: string;
  /** Other names it may have in a local directory (e.g. the un-gzipped name); default none. */
  readonly localNames?: readonly string[];
  /** How far a gzip file may inflate (default 1 GiB, or what `maxInflatedBytes` says). */
  readonly limits?: InflateLimits;
}

/**
 * Where a descriptor's bytes come from; the runtime supplies it. In Node
 * (`loadDataset` of `@tessera/datasets/node`): a `root` directory, the package's own files,
 * the cache, then a verified download. In a browser (`fetchDataset`): a verified fetch from
 * the mirrors. Either way gzip files arrive inflated.
 */
export interface DatasetFiles {
  /**
   * The files' bytes (inflated when gzip), each with the path or URL it came from, in order.
   * Ask for a split's files in one call: what is missing is then reported (and downloaded) together.
   */
  read(reqs: readonly FileRequest[]): Promise<NamedBytes[]>;
  /**
   * A file already on local disk under one of these relative paths (in `root` or the
   * cache), never downloaded: e.g. extracted archive members. Always undefined in a browser.
   */
  local(paths: readonly string[], limits?: InflateLimits): Promise<NamedBytes | undefined>;
}

/** What to load instead when a dataset is not available (no network, no files), and what to tell the user. */
export interface DatasetFallback {
  /** The registered dataset loaded instead. */
  readonly name: string;
  /** Said to the user after "<title> is not available (<why>); ". */
  readonly note: string;
}

/**
 * Everything about a dataset in one place: what it is, where its files live (mirrors and
 * published checksums), and how to parse a split from them. The same descriptor serves
 * Node (`loadDataset`, with caching) and browsers (`fetchDataset`), and the CLI lists it.
 */
export interface DatasetDescriptor {
  /** Name for `--dataset` and `fetchDataset` (lowercase, e.g. `'fashion-mnist'`). */
  readonly name: string;
  /** Human name for messages (e.g. `'Fashion-MNIST'`). */
  readonly title: string;
  /** One line for help texts. */
  readonly description: string;
  /** Shape `[C, H, W]` of one example, known before loading (to reject a mismatched model early). */
  readonly inputShape: ImageShape;
  /** Class names, index = label. */
  readonly classes: readonly string[];
  /** Mirrors (base URLs; `file:` URLs are read from disk in Node), each file's size and checksums, homepage, cache id. */
  readonly source: DatasetSource;
  /** Directories to look in before the cache when the caller gives no `root` (Node), e.g. a distribution's package. */
  readonly localDirs?: readonly string[];
  /** What to load when this one is not available (the CLI's `mnist` falls back to the bundled sample). */
  readonly fallback?: DatasetFallback;
  /** The package that registered it (default `'@tessera/datasets'`). */
  readonly package?: string;
  /** Other names it answers to (e.g. `'cifar-10'` for `'cifar10'`); not listed by `datasetNames`. */
  readonly aliases?: readonly string[];
  /**
   * Parses one split from the files; must use only `files` (so it runs in Node and
   * browsers). `options` are the caller's dataset-specific options (CIFAR-100: `label`).
   */
  read(split: Split, files: DatasetFiles, options: DatasetReadOptions): Promise<ImageDataset>;
}

/** Dataset-specific options passed through to a descriptor's `read` (e.g. `{ label: 'coarse' }`). */
export type DatasetReadOptions = Readonly<Record<string, unknown>>;

const registry = new Map<string, DatasetDescriptor>();
const aliases = new Map<string, string>();

function checkDescriptor(d: DatasetDescriptor): string {
  const name = typeof d?.name === 'string' ? d.name.trim().toLowerCase() : '';
  const where = `registerDataset('${name}')`;
  if (name === '') throw new ConfigError('registerDataset: the dataset needs a non-empty name.');
  if (typeof d.read !== 'function') throw new ConfigError(`${where}: read must be a function (split, files) => Promise<ImageDataset>.`);
  const s = d.inputShape;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((n) => Number.isInteger(n) && n > 0)) {
    throw new ConfigError(`${where}: inputShape must be [C, H, W] of positive integers; got ${JSON.stringify(s)}.`);
  }
  if (!Array.isArray(d.classes) || d.classes.length === 0) throw new ConfigError(`${where}: classes must be a non-empty array of names.`);
  if (!d.source || !Array.isArray(d.source.mirrors) || typeof d.source.files !== 'object' || typeof d.source.id !== 'string') {
    throw new ConfigError(`${where}: source must give id, title, mirrors, files (name → size and sha256) and homepage.`);
  }
  return name;
}

/**
 * Registers a dataset under its (case-insensitive) name; registering an existing name
 * replaces it. Plugins call this from their own `register()`; the dataset then loads with
 * `loadDataset` / `fetchDataset` and appears in `tessera train --help` and `tessera info`.
 */
export function registerDataset(d: DatasetDescriptor): void {
  const name = checkDescriptor(d);
  registry.set(name, { ...d, name, package: d.package ?? '@tessera/datasets' });
  for (const a of d.aliases ?? []) aliases.set(a.toLowerCase(), name);
}

/** Names of the registered datasets, in registration order (the built-ins first; a replaced name keeps its place). */
export function datasetNames(): string[] {
  return [...registry.keys()];
}

/** Every registered dataset, in registration order. */
export function datasetDescriptors(): DatasetDescriptor[] {
  return datasetNames().map((n) => registry.get(n)!);
}

/** The dataset registered under `name`; unknown names throw `ConfigError` listing the known ones. */
export function datasetDescriptor(name: string): DatasetDescriptor {
  const key = typeof name === 'string' ? name.toLowerCase() : '';
  const d = registry.get(key) ?? registry.get(aliases.get(key) ?? '');
  if (!d)
    throw new ConfigError(
      `unknown dataset '${String(name)}'; known datasets: ${datasetNames().join(', ')}. Add one with registerDataset(descriptor).`,
    );
  return d;
}

for (const d of BUILTIN_DATASETS) registerDataset(d);
