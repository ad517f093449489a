import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTextNoFollow } from '@tessera/train/node';
import { CliError } from '../errors.js';
import type { OptionChange } from './resume-options.js';

/** A run's config.json: what ran, as recorded when it started, plus every resume. */
export type RunConfigFile = Record<string, unknown> & {
  readonly changes?: readonly OptionChange[];
  readonly resumes?: readonly { readonly command: readonly string[]; readonly started: string; readonly epoch: number }[];
};

/** Reads `<out>/config.json` of a run being resumed. */
export function readRunConfig(out: string): RunConfigFile {
  const path = join(out, 'config.json');
  if (!existsSync(path))
    throw new CliError(
      `--resume: ${path} is missing, so the options the checkpoint was trained with are unknown; start a new run in another --out.`,
    );
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunConfigFile;
  } catch (e) {
    throw new CliError(`--resume: ${path} is not valid JSON (${(e as Error).message}).`);
  }
}

/** Writes `<out>/config.json` (never through a symbolic link). */
export async function writeRunConfig(out: string, config: RunConfigFile): Promise<void> {
  await writeTextNoFollow(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * The config of a resumed run: the recorded one with the values that changed (the newest
 * wins, e.g. `epochs`), each change and the resume itself appended.
 */
export function resumedConfig(
  old: RunConfigFile,
  changes: readonly OptionChange[],
  resume: { command: readonly string[]; epoch: number },
  now: Record<string, unknown>,
): RunConfigFile {
  return {
    ...old,
    ...now,
    changes: [...(old.changes ?? []), ...changes],
    resumes: [...(old.resumes ?? []), { command: resume.command, started: new Date().toISOString(), epoch: resume.epoch }],
  };
}
