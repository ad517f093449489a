import { noGrad, tensor, tidy } from '@tessera/core';
import { normalize } from '@tessera/datasets';
import { type CommandSpec, parseCommand, usage } from '../args.js';
import { BACKENDS, setupBackend } from '../backend.js';
import { CliError } from '../errors.js';
import { prepareImage, readPng } from '../image.js';
import type { Io } from '../io.js';
import { loadRunModel, resolveCheckpoint } from '../run-config.js';

/** `tessera predict` options. */
export const predictSpec: CommandSpec = {
  name: 'predict',
  summary: 'Classify PNG images with a trained checkpoint; prints the top-3 classes with probabilities.',
  positionals: '<image.png …>',
  options: {
    checkpoint: { type: 'string', help: 'run directory or .safetensors file from tessera train' },
    top: { type: 'number', default: 3, integer: true, min: 1, help: 'how many classes to show' },
    backend: { type: 'string', default: 'auto', help: 'backend', choices: () => BACKENDS },
  },
};

/** One image's prediction. */
export interface Prediction {
  readonly file: string;
  readonly top: { readonly label: string; readonly index: number; readonly probability: number }[];
  readonly inverted: boolean;
}

/** Runs `tessera predict`. */
export async function predictCommand(argv: readonly string[], io: Io): Promise<Prediction[]> {
  const { values: a, positionals: files } = parseCommand(predictSpec, argv);
  if (files.length === 0) throw new CliError(`tessera predict: give at least one PNG file.\n\n${usage(predictSpec)}`);
  const { file, config } = resolveCheckpoint(a.checkpoint as string | undefined);
  await setupBackend(a.backend as string, io.err);
  const net = await loadRunModel(file, config);
  net.eval();
  const results: Prediction[] = [];
  for (const f of files) {
    const { image, inverted } = prepareImage(readPng(f), config.inputShape);
    const probs = noGrad(() =>
      tidy(() => {
        const x = normalize(tensor(image.data, { shape: [1, ...image.shape] }), config.normalization.mean, config.normalization.std);
        return net.call(x).softmax(1);
      }),
    );
    const p = Array.from((await probs.data()) as Float32Array);
    probs.dispose();
    const top = p
      .map((probability, index) => ({ index, probability, label: String(config.classes[index] ?? index) }))
      .sort((x, y) => y.probability - x.probability)
      .slice(0, a.top as number);
    results.push({ file: f, top, inverted });
    io.out(`${f}${inverted ? ' (inverted: dark on light)' : ''}: ${top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join(', ')}`);
  }
  return results;
}
