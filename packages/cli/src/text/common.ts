import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, type Tensor, tidy } from '@tessera/core';
import { crossEntropyLoss, type AnyModule } from '@tessera/layers';
import { Vocab, datasetDescriptors, isTextDataset, keyedPermutation, type VocabJSON } from '@tessera/datasets';
import { isTextModel, modelDescriptor, modelDescriptors, modelNames } from '@tessera/models';
import type { Optimizer } from '@tessera/optim';

/** The `--model` value of a command line, when it names a registered text model (`registerModel` with a text task). */
export function textModelOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = a === '--model' ? argv[i + 1] : a.startsWith('--model=') ? a.slice(8) : undefined;
    if (v !== undefined && modelNames().includes(v.toLowerCase()) && isTextModel(modelDescriptor(v))) return v.toLowerCase();
  }
  return undefined;
}

/** Names of the registered text models (every text task). */
export function textModelNames(): string[] {
  return modelDescriptors().filter(isTextModel).map((m) => m.name);
}

/** Names of the registered text datasets (every text task). */
export function textDatasetNames(): string[] {
  return datasetDescriptors().filter(isTextDataset).map((d) => d.name);
}

/** What a text run writes beside its model (`text-run.json`): enough to decode or sample again. */
export interface TextRunFile {
  readonly format: 'tessera-text-run';
  readonly version: 1;
  readonly model: string;
  readonly dataset: string;
  readonly seed: number;
  /** Source vocabulary (letters, or the characters of the language model). */
  readonly srcVocab: VocabJSON;
  /** Target vocabulary (phonemes); absent for the language model. */
  readonly tgtVocab?: VocabJSON;
  /** Lower-cased input (the names model) or upper-cased (CMUdict words). */
  readonly textCase: 'lower' | 'upper';
  readonly metrics: Readonly<Record<string, number | string | readonly string[]>>;
}

const TEXT_RUN_FILE = 'text-run.json';
export const TEXT_MODEL_FILE = 'model.safetensors';

/** Writes `text-run.json` into `out`. */
export function writeTextRun(out: string, run: TextRunFile): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, TEXT_RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);
}

/** Reads `text-run.json` from a run directory, with an error that names it. */
export function readTextRun(dir: string): TextRunFile {
  const path = join(dir, TEXT_RUN_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataError(`${path}: cannot be read (${(e as Error).message}); --checkpoint must be the directory of a text run (tessera ` +
      `train --model char-gpt|g2p-…).`);
  }
  const run = json as Partial<TextRunFile>;
  if (run.format !== 'tessera-text-run' || run.version !== 1 || typeof run.model !== 'string') {
    throw new DataError(`${path}: not a text run file (format 'tessera-text-run', version 1).`);
  }
  return run as TextRunFile;
}

/** The vocabularies of a run. */
export function runVocabs(run: TextRunFile): { src: Vocab; tgt: Vocab | null } {
  return { src: Vocab.fromJSON(run.srcVocab), tgt: run.tgtVocab ? Vocab.fromJSON(run.tgtVocab) : null };
}

/** Batches of indices 0..n-1, shuffled with the (seed, epoch) key, the last one possibly short. */
export function epochBatches(n: number, batchSize: number, seed: number, epoch: number): number[][] {
  const perm = keyedPermutation(n, seed, 0x65706f00 + epoch);
  const out: number[][] = [];
  for (let i = 0; i < n; i += batchSize) out.push(Array.from(perm.subarray(i, Math.min(n, i + batchSize))));
  return out;
}

/** Token cross-entropy of logits [N, L, V] against targets [N, L] (0 = padding, ignored): summed, with the token count. */
export function tokenLoss(logits: Tensor, target: Tensor, reduction: 'mean' | 'sum'): Tensor {
  const v = logits.shape[logits.rank - 1]!;
  return crossEntropyLoss(logits.reshape([-1, v]), target.reshape([-1]), { ignoreIndex: Vocab.PAD, reduction });
}

/** One optimisation step of `loss()` (a mean loss); returns its value. */
export async function trainStep(model: AnyModule, opt: Optimizer, loss: () => Tensor): Promise<number> {
  model.train();
  const l = tidy(() => {
    const v = loss();
    v.backward();
    opt.step();
    opt.zeroGrad();
    return v;
  });
  const value = await l.item();
  l.dispose();
  return value;
}
