import { CliError } from '../errors.js';

/** A value of a run option as config.json records it. */
type OptionValue = string | number | boolean | null;

/** An option changed when a run was resumed, and the epoch (1-based) it applies from. */
export interface OptionChange {
  readonly option: string;
  readonly from: OptionValue;
  readonly to: OptionValue;
  readonly epoch: number;
}

/**
 * The options a run's config.json records, by command-line name → config key. `safe` ones
 * may change on `--resume` (recorded as a change); the others define what the checkpoint
 * is and must stay as they were.
 */
const RUN_OPTIONS: readonly { readonly flag: string; readonly key: string; readonly safe: boolean }[] = [
  { flag: 'recipe', key: 'recipe', safe: false },
  { flag: 'model', key: 'model', safe: false },
  { flag: 'dataset', key: 'dataset', safe: false },
  { flag: 'data', key: 'data', safe: false },
  { flag: 'test-split', key: 'testSplit', safe: false },
  { flag: 'batch-size', key: 'batchSize', safe: false },
  { flag: 'lr', key: 'lr', safe: false },
  { flag: 'momentum', key: 'momentum', safe: false },
  { flag: 'optimizer', key: 'optimizer', safe: false },
  { flag: 'seed', key: 'seed', safe: false },
  { flag: 'limit', key: 'limit', safe: false },
  { flag: 'validation-split', key: 'validationSplit', safe: false },
  { flag: 'epochs', key: 'epochs', safe: true },
];

const show = (v: OptionValue | undefined): string => (v === null || v === undefined ? '(not set)' : String(v));

/**
 * The options a resumed run uses: those recorded in `config` (what the checkpoint was
 * trained with), except safe ones given on the command line. A given value that differs
 * from the recorded one for an unsafe option is refused with a `CliError` listing every
 * difference (option, checkpoint value, given value). Returns the values and the changes
 * (their epoch is the caller's to fill in, from the checkpoint).
 */
export function resolveResumeOptions(
  config: Readonly<Record<string, unknown>>,
  values: Readonly<Record<string, string | number | boolean | undefined>>,
  given: ReadonlySet<string>,
): { values: Record<string, string | number | boolean | undefined>; changes: Omit<OptionChange, 'epoch'>[] } {
  const out = { ...values };
  const changes: Omit<OptionChange, 'epoch'>[] = [];
  const refused: string[] = [];
  for (const { flag, key, safe } of RUN_OPTIONS) {
    const recorded = (config[key] ?? null) as OptionValue;
    const now = (values[key] ?? null) as OptionValue;
    if (!given.has(key) || now === recorded) {
      out[key] = recorded ?? undefined;
      continue;
    }
    if (safe) changes.push({ option: flag, from: recorded, to: now });
    else refused.push(`${`  --${flag}`.padEnd(21)} ${`checkpoint ${show(recorded)}`.padEnd(23)} given ${show(now)}`);
  }
  if (refused.length > 0) {
    throw new CliError(
      `--resume: these options differ from the run being resumed, which was trained with the checkpoint's ` +
        `values:\n${refused.join('\n')}\n` +
        `Drop them (or give the checkpoint's values) to resume, or start a new run in another --out. Only --epochs (and --backend) may ` +
          `change on resume.`,
    );
  }
  return { values: out, changes };
}
