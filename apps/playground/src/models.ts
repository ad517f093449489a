/**
 * The two architectures the page trains, as the worker builds them (module configs of the
 * zoo, in `tessera/worker`'s model spec), and the notes the page writes into its saves.
 * Recognising a loaded file is in `weights-file.ts`, loaded only when a file is.
 */
import type { ModelKind } from './settings.js';

/** An architecture: the CNN, or an MLP with these hidden sizes. */
export interface ModelSpec {
  readonly kind: ModelKind;
  /** Hidden layer sizes (MLP only). */
  readonly hidden: readonly number[];
}

/** The MLP the page builds: 784 → 128 → 10 (101,770 parameters). */
const DEFAULT_MLP_HIDDEN: readonly number[] = [128];

/** The spec the page's model selector stands for. */
export function defaultSpec(kind: ModelKind): ModelSpec {
  return { kind, hidden: kind === 'mlp' ? DEFAULT_MLP_HIDDEN : [] };
}

/**
 * The config the worker builds a spec from (`moduleFromConfig` of the zoo): the MNIST CNN
 * (what `tessera train --model mnist-cnn` builds), or an MLP with these hidden sizes.
 */
export function modelConfig(spec: ModelSpec): { type: string; args: unknown[] } {
  return spec.kind === 'cnn'
    ? { type: 'mnistCnn', args: [{ numClasses: 10 }] }
    : { type: 'mlp', args: [{ inFeatures: 784, hidden: [...spec.hidden], outFeatures: 10 }] };
}

/** Short name for file names and labels, e.g. `mnist-cnn` or `mlp-128`. */
export function specName(spec: ModelSpec): string {
  return spec.kind === 'cnn' ? 'mnist-cnn' : `mlp-${spec.hidden.join('-') || 'linear'}`;
}

/**
 * What `tessera predict` needs besides the architecture, written into the page's files
 * (`tessera.run`): MNIST digits, 1×28×28, pixels in [0, 1] as the page feeds them.
 */
const PAGE_RUN_INFO = JSON.stringify({
  classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  inputShape: [1, 28, 28],
  normalization: { mean: [0], std: [1] },
});

/**
 * The page's notes in its saves, besides the model file's architecture (`snapshot` writes
 * that): `model`, `trainedExamples`, and `tessera.run` for `tessera predict`.
 */
export function pageMetadata(spec: ModelSpec, trainedExamples: number): Record<string, string> {
  return { model: specName(spec), trainedExamples: String(trainedExamples), 'tessera.run': PAGE_RUN_INFO };
}
