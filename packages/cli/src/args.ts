import { parseArgs } from 'node:util';
import { nearest } from '@tessera/core';
import { CliError } from './errors.js';

/** One option of a command. */
export interface OptionSpec {
  readonly type: 'string' | 'number' | 'boolean';
  readonly help: string;
  readonly default?: string | number | boolean;
  /** Allowed values of a string option. */
  readonly choices?: () => readonly string[];
  /** Numbers: must be an integer (when `integer`) in [min, max]. */
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** A command: its options and what it does. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** e.g. `[image.png …]` */
  readonly positionals?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

/** Parsed values: strings, numbers and booleans by option name, plus positionals. */
export interface Parsed {
  readonly values: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly positionals: readonly string[];
  /** Options given on the command line (camelCase), as opposed to defaults. */
  readonly given: ReadonlySet<string>;
}

/** `" Did you mean 'x'?"` when a candidate is within a typo of `name`, else `''`. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = nearest(name, candidates);
  return near === undefined ? '' : ` Did you mean '${near}'?`;
}

/** Node's parseArgs message, trimmed of its positional advice, plus the nearest known option. */
function parseFailure(cmd: CommandSpec, e: Error): string {
  const msg = e.message.replace(/\. To specify a positional.*$/s, '');
  const unknown = /^Unknown option '(--[^'=]+)'/.exec(msg)?.[1];
  const hint = unknown ? didYouMean(unknown, Object.keys(cmd.options).map((n) => `--${n}`)) : '';
  return `tessera ${cmd.name}: ${msg}${hint ? `.${hint}` : ''}`;
}

/** `--batch-size` → `batchSize`. */
const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Usage text of a command. */
export function usage(cmd: CommandSpec): string {
  const lines = [`tessera ${cmd.name}${cmd.positionals ? ` ${cmd.positionals}` : ''} [options]`, '', cmd.summary, '', 'Options:'];
  for (const [name, o] of Object.entries(cmd.options)) {
    const dflt = o.default === undefined ? '' : ` (default: ${String(o.default)})`;
    const choices = o.choices ? ` [${o.choices().join('|')}]` : '';
    lines.push(`  --${name}${o.type === 'boolean' ? '' : ' <value>'}`.padEnd(26) + `${o.help}${choices}${dflt}`);
  }
  return lines.join('\n');
}

/** Parses argv for a command, checking types, ranges and choices; errors say the fix. */
export function parseCommand(cmd: CommandSpec, argv: readonly string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, o] of Object.entries(cmd.options)) options[name] = { type: o.type === 'boolean' ? 'boolean' : 'string' };
  let raw: ReturnType<typeof parseArgs>;
  try {
    raw = parseArgs({ args: [...argv], options, strict: true, allowPositionals: cmd.positionals !== undefined });
  } catch (e) {
    throw new CliError(`${parseFailure(cmd, e as Error)}\n\n${usage(cmd)}`);
  }
  const values: Record<string, string | number | boolean | undefined> = {};
  const given = new Set<string>();
  for (const [name, o] of Object.entries(cmd.options)) {
    const v = raw.values[name] as string | boolean | undefined;
    const key = camel(name);
    if (v === undefined) {
      values[key] = o.default;
      continue;
    }
    given.add(key);
    if (o.type === 'number') {
      const n = Number(v);
      const bad =
        v === '' ||
        !Number.isFinite(n) ||
        (o.integer && !Number.isInteger(n)) ||
        (o.min !== undefined && n < o.min) ||
        (o.max !== undefined && n > o.max);
      if (bad) {
        const range = o.max !== undefined ? ` in [${o.min ?? '-∞'}, ${o.max}]` : o.min !== undefined ? ` ≥ ${o.min}` : '';
        const want = `${o.integer ? 'an integer' : 'a number'}${range}`;
        throw new CliError(`tessera ${cmd.name}: --${name} must be ${want} but got '${String(v)}'.`);
      }
      values[key] = n;
    } else if (o.type === 'string' && o.choices) {
      const valid = o.choices();
      if (!valid.includes(v as string)) {
        throw new CliError(
          `tessera ${cmd.name}: unknown --${name} '${String(v)}'; valid values: ${valid.join(', ')}.${didYouMean(String(v), valid)}`,
        );
      }
      values[key] = v;
    } else values[key] = v;
  }
  return { values, positionals: raw.positionals, given };
}
