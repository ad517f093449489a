import { TesseraError } from '@tessera/core';
import type { CommandSpec } from './args.js';
import { benchCommand, benchSpec } from './commands/bench.js';
import { evalSpec, evaluateCommand } from './commands/eval.js';
import { exportCommand, exportSpec } from './commands/export.js';
import { infoCommand, infoSpec } from './commands/info.js';
import { predictCommand, predictSpec } from './commands/predict.js';
import { generateCommand, generateSpec } from './commands/generate.js';
import { train, trainSpec } from './commands/train.js';
import { textTrainSpec, trainText } from './commands/train-text.js';
import { textModelOf } from './text/common.js';
import { CliError } from './errors.js';
import type { Io } from './io.js';
import { loadPlugins } from './plugins.js';

const COMMANDS: readonly [CommandSpec, (argv: readonly string[], io: Io) => Promise<unknown>][] = [
  // Text models (char-gpt, g2p-*) train in their own loop; the rest through fit.
  [trainSpec, (argv, io) => (textModelOf(argv) ? trainText(argv, io) : train(argv, io))],
  [generateSpec, generateCommand],
  [evalSpec, evaluateCommand],
  [predictSpec, predictCommand],
  [exportSpec, exportCommand],
  [infoSpec, infoCommand],
  [benchSpec, benchCommand],
];

/** The top-level help text. */
export function help(): string {
  return [
    'tessera <command> [options]',
    '',
    ...COMMANDS.map(([s]) => `  ${s.name.padEnd(9)}${s.summary}`),
    '',
    'tessera <command> --help shows a command\'s options.',
    'TESSERA_PLUGINS=<package or path>,… loads plugins (their register()) that add models and datasets.',
  ].join('\n');
}

/**
 * Runs the CLI with `argv` (without `node tessera`). Returns the exit code: 0 success,
 * 1 a failure while running, 2 a usage error. Errors are printed, not thrown.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 2;
  }
  try {
    await loadPlugins(io.env.TESSERA_PLUGINS);
  } catch (e) {
    io.err(`error: ${(e as Error).message}`);
    return 2;
  }
  const cmd = COMMANDS.find(([s]) => s.name === name);
  if (!cmd) {
    const names = COMMANDS.map(([s]) => s.name);
    const { didYouMean } = await import('./args.js');
    io.err(`tessera: unknown command '${name}'; valid commands: ${names.join(', ')}.${didYouMean(name, names)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const { usage } = await import('./args.js');
    io.out(usage(cmd[0] === trainSpec && textModelOf(rest) ? textTrainSpec : cmd[0]));
    return 0;
  }
  try {
    await cmd[1](rest, io);
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`error: ${e.message}`);
      return 2;
    }
    io.err(e instanceof TesseraError ? `error: ${e.name}: ${e.message}` : `error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}
