import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Layer } from '@tessera/layers';
import { loadCheckpointFile } from '@tessera/train/node';
import { CliError } from './errors.js';
import { modelSpec } from './models.js';

/** The parts of a run's config.json that eval/predict need. */
export interface RunConfig {
  readonly model: string;
  readonly dataset: string;
  readonly classes: readonly string[];
  readonly inputShape: readonly [number, number, number];
  readonly normalization: { readonly mean: number[]; readonly std: number[] };
}

/** Resolves `--checkpoint` (a run directory or a .safetensors file in one) to the file and its run config. */
export function resolveCheckpoint(path: string | undefined): { file: string; config: RunConfig } {
  if (!path) throw new CliError('--checkpoint is required: a run directory (uses best.safetensors) or a .safetensors file written by tessera train.');
  if (!existsSync(path)) throw new CliError(`--checkpoint ${path} does not exist.`);
  const file = statSync(path).isDirectory() ? join(path, 'best.safetensors') : path;
  if (!existsSync(file)) throw new CliError(`--checkpoint: ${file} does not exist; did the run finish an epoch?`);
  const cfgPath = join(dirname(file), 'config.json');
  if (!existsSync(cfgPath)) throw new CliError(`--checkpoint: ${cfgPath} is missing; checkpoints are read together with the config.json that tessera train writes beside them.`);
  try {
    return { file, config: JSON.parse(readFileSync(cfgPath, 'utf8')) as RunConfig };
  } catch (e) {
    throw new CliError(`--checkpoint: ${cfgPath} is not valid JSON (${(e as Error).message}).`);
  }
}

/** Builds the run's model and loads the checkpoint's weights into it. */
export async function loadRunModel(file: string, config: RunConfig): Promise<Layer> {
  const net = modelSpec(config.model).build(config.classes.length, config.inputShape);
  const ck = await loadCheckpointFile(file);
  try {
    net.loadStateDict(ck.weights);
  } finally {
    ck.dispose();
  }
  return net;
}
