import { ConfigError } from '@tessera/core';
import { recipe } from '@tessera/train';
import { DECK_TEST_ERROR, sampleDigits, testError } from './experiment.js';
import { formatTable } from './table.js';

/** Options of {@link reproduce}. */
export interface ReproduceOptions {
  /** Seeds 1…seeds (default 5). */
  readonly seeds?: number;
  /** Epochs (default the recipe's 10). */
  readonly epochs?: number;
  /** Train on the first N digits of the sample only (quick runs). */
  readonly limit?: number;
  /** Test on the first N test digits only (quick runs). */
  readonly testLimit?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

const count = (name: string, v: number | undefined): void => {
  if (v !== undefined && !(Number.isInteger(v) && v > 0))
    throw new ConfigError(`deck004: --${name} must be a positive integer (got ${v}).`);
};

/** Trains the deck's CNN once per seed and returns the table (deck beside Tessera). */
export async function reproduce(o: ReproduceOptions = {}): Promise<string> {
  const r = recipe('deck004');
  const seeds = o.seeds ?? 5;
  const epochs = o.epochs ?? r.epochs;
  count('seeds', seeds);
  count('epochs', epochs);
  count('limit', o.limit);
  count('test-limit', o.testLimit);
  const digits = sampleDigits(o.limit, o.testLimit);
  const ids = Array.from({ length: seeds }, (_, i) => i + 1);
  const errors: number[] = [];
  for (const seed of ids) {
    errors.push(await testError(digits, r, seed, epochs));
    o.log?.(`seed ${seed}: test error ${errors.at(-1)!.toFixed(2)} %`);
  }
  return formatTable({ epochs, nTrain: digits.train.length, nTest: digits.test.length, errors, seeds: ids }, DECK_TEST_ERROR);
}
