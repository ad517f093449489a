import type { TextDatasetDescriptor, TextExample } from '../dataset-registry.js';
import { type TextSplit, splitByKey } from './split.js';

/**
 * A registered text corpus's examples split as its descriptor says (by key, fractions
 * `descriptor.split`, seeded): the split `tessera train` uses.
 *
 * @example
 * const { train, validation, test } = splitTextDataset(textDatasetDescriptor('names'), examples, 0);
 */
export function splitTextDataset(d: TextDatasetDescriptor, examples: readonly TextExample[], seed: number): TextSplit<TextExample> {
  return splitByKey(examples, (e) => e.key, { seed, validation: d.split.validation, test: d.split.test });
}
