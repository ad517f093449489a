import { join } from 'node:path';
import { manualSeed } from '@tessera/core';
import { loadModelFile } from '@tessera/layers/node';
import { type TokenModel, registerZoo } from '@tessera/models';
import { type CommandSpec, parseCommand } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { TEXT_MODEL_FILE, readTextRun, runVocabs } from '../text/common.js';
import { type G2PModel, pronounce } from '../text/g2p.js';
import { sampleNames } from '../text/lm.js';

/** `tessera generate` options. */
export const generateSpec: CommandSpec = {
  name: 'generate',
  summary: 'Sample names from a char-gpt run, or print pronunciations of words (positionals or --prompt) with a g2p-* run.',
  positionals: '[WORD …]',
  options: {
    checkpoint: { type: 'string', help: 'directory of a text run (tessera train --model char-gpt|g2p-…)' },
    prompt: { type: 'string', help: 'char-gpt: the start of every sample; g2p: a word to pronounce' },
    num: { type: 'number', default: 10, integer: true, min: 1, help: 'char-gpt: samples to draw' },
    temperature: { type: 'number', default: 1, min: 0.01, help: 'char-gpt: softmax temperature' },
    'top-k': { type: 'number', integer: true, min: 1, help: 'char-gpt: sample among the k likeliest characters' },
    greedy: { type: 'boolean', help: 'char-gpt: argmax instead of sampling' },
    'beam-size': { type: 'number', default: 5, integer: true, min: 1, help: 'g2p: beam width (1: greedy)' },
    seed: { type: 'number', default: 0, integer: true, min: 0, max: 2 ** 32 - 1, help: 'sampling seed' },
    backend: { type: 'string', default: 'cpu', help: 'backend', choices: () => BACKENDS },
  },
};

/** `tessera generate`: prints one sample or pronunciation per line; returns them. */
export async function generateCommand(argv: readonly string[], io: Io): Promise<string[]> {
  const { values: a, positionals } = parseCommand(generateSpec, argv);
  const dir = a.checkpoint as string | undefined;
  if (!dir)
    throw new CliError('tessera generate: --checkpoint <run directory> is required (the --out of tessera train --model char-gpt|g2p-…).');
  const run = readTextRun(dir);
  await setupBackend(a.backend as string, io.err);
  manualSeed(a.seed as number);
  registerZoo();
  const net = await loadModelFile(join(dir, TEXT_MODEL_FILE));
  const { src, tgt } = runVocabs(run);
  const prompt = a.prompt as string | undefined;
  let lines: string[];
  const fits = (c: string) => (run.textCase === 'upper' ? c.toUpperCase() : c.toLowerCase());
  const has = (k: string) => typeof (net as unknown as Record<string, unknown>)[k] !== 'undefined';
  if (!tgt && typeof (net as Partial<TokenModel>).blockSize === 'number') {
    if (positionals.length > 0)
      throw new CliError(
        `tessera generate: a char-gpt run takes no words (got '${positionals.join(' ')}'); use --prompt to start the samples.`,
      );
    lines = await sampleNames(net as unknown as TokenModel, src, {
      count: a.num as number,
      prompt: prompt === undefined ? undefined : fits(prompt),
      temperature: a.temperature as number,
      topK: a.topK as number | undefined,
      greedy: a.greedy as boolean | undefined,
    });
  } else if (tgt && ['start', 'step', 'select', 'stateTensors'].every(has)) {
    const words = [...positionals, ...(prompt ? [prompt] : [])].map(fits);
    if (words.length === 0)
      throw new CliError('tessera generate: give words to pronounce (tessera generate --checkpoint DIR hello world).');
    const unknown = words.flatMap((w) => [...w].filter((c) => !src.has(c)));
    if (unknown.length > 0) io.err(`note: ${[...new Set(unknown)].join('')} not seen in training; read as <unk>.`);
    const prons = await pronounce(net as unknown as G2PModel, src, tgt, words, a.beamSize as number);
    lines = words.map((w, i) => `${w}  ${prons[i]!.join(' ')}`);
  } else {
    throw new CliError(`${dir}: ${TEXT_MODEL_FILE} holds a ${net.constructor.name}, not the ${run.model} its text-run.json names.`);
  }
  for (const l of lines) io.out(l);
  return lines;
}
