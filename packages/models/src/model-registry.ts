import { ConfigError } from '@tessera/core';
import type { AnyModule, Layer } from '@tessera/layers';
import { BUILTIN_MODELS } from './catalog/builtin.js';
import { BUILTIN_TEXT_MODELS } from './text/catalog.js';

/** Image shape `[C, H, W]`. */
export type ImageShape = readonly [channels: number, height: number, width: number];

/**
 * What a registered model (or dataset) is for: image classification (the default, an
 * `[N, C, H, W]` batch to class logits), sequence-to-sequence (source tokens `[N, S]` and a
 * teacher-forced target `[N, T]` to logits `[N, T, V]`, e.g. grapheme-to-phoneme) or a
 * language model (tokens `[N, L]` to next-token logits `[N, L, V]`).
 */
export type ModelTask = 'image-classification' | 'sequence-to-sequence' | 'language-model';

/** The text tasks of {@link ModelTask}. */
export type TextTask = Exclude<ModelTask, 'image-classification'>;

/** Every task, in the order help texts list them. */
export const MODEL_TASKS: readonly ModelTask[] = ['image-classification', 'sequence-to-sequence', 'language-model'];

/** What a registered model is built for. */
export interface ModelBuildOptions {
  /** Number of output classes. */
  readonly numClasses: number;
  /** Shape `[C, H, W]` of the images it will see. */
  readonly inputShape: ImageShape;
}

/**
 * A model that tools (the `tessera` CLI, the playground, the benchmarks) can build by name:
 * register one with `registerModel` and it appears in `tessera train --help` and
 * `tessera info`.
 */
export interface ModelDescriptor {
  /** Image classification (the only task an image model may name; the default). */
  readonly task?: 'image-classification';
  /** Name for `--model` (lowercase, e.g. `'resnet20'`). */
  readonly name: string;
  /** One line: the architecture, for help texts. */
  readonly description: string;
  /** Input `[C, H, W]` the model is made for; undefined when it takes any size (the MLP flattens). */
  readonly inputShape?: ImageShape;
  /** The package that registered it (default `'@tessera/models'`). */
  readonly package?: string;
  /** Builds a freshly initialised model (uses the global seeded generator). */
  build(opts: ModelBuildOptions): Layer;
}

/** What a registered text model is built for: the vocabulary sizes its data gives, and optional sizes the user chose. */
export interface TextModelBuildOptions {
  /** Source vocabulary size (characters of the names, letters of the words), special tokens included. */
  readonly srcVocabSize: number;
  /** Target vocabulary size (phonemes); sequence-to-sequence models only. */
  readonly tgtVocabSize?: number;
  /** Longest sequence the model must take (a language model's context: the longest name + `<bos>`). */
  readonly blockSize: number;
  /** Model width (`--d-model`); default: the descriptor's. */
  readonly dModel?: number;
  /** Layers (`--layers`); default: the descriptor's. */
  readonly layers?: number;
}

/**
 * How a text model's tokens are made from text: `'characters'` (one token per character,
 * `Vocab` of @tessera/datasets, built on the training split) — the vocabulary source of every
 * text model and dataset here. Targets of a sequence-to-sequence dataset are the symbols its
 * corpus lists (phonemes).
 */
export type TextTokenizer = 'characters';

/**
 * A text model that tools build by name (`registerModel` with a text `task`): it appears in
 * `tessera train --help` and `tessera info`, and `tessera train --model <name>` trains it on a
 * registered text dataset of the same task.
 */
export interface TextModelDescriptor {
  readonly task: TextTask;
  /** Name for `--model` (lowercase, e.g. `'char-gpt'`). */
  readonly name: string;
  /** One line: the architecture, for help texts. */
  readonly description: string;
  /** Text models take sequences of any length up to `blockSize`: never an image shape (kept so `.inputShape` reads on any descriptor). */
  readonly inputShape?: undefined;
  /** The dataset `tessera train` uses when none is given (a registered text dataset of the same task). */
  readonly dataset: string;
  /** How source text becomes tokens (default `'characters'`). */
  readonly tokenizer?: TextTokenizer;
  /**
   * What training reports: `'natsPerChar'` (language models: validation loss per character,
   * against a bigram baseline), `'per'` and `'wer'` (sequence-to-sequence: phoneme/token and
   * word/sequence error rates). Default: those of the task.
   */
  readonly metrics?: readonly TextMetric[];
  /** The package that registered it (default `'@tessera/models'`). */
  readonly package?: string;
  /**
   * Builds a freshly initialised model (uses the global seeded generator). A language model
   * maps tokens `[N, L]` to logits `[N, L, V]`; a sequence-to-sequence model takes
   * `(src, tgtIn, masks)` and implements `Seq2SeqDecoder` (`start`/`step`/`select`) for decoding.
   */
  build(opts: TextModelBuildOptions): AnyModule;
}

/** Metrics a text model reports (see {@link TextModelDescriptor.metrics}). */
export type TextMetric = 'natsPerChar' | 'per' | 'wer';

/** A registered model of any task. */
export type AnyModelDescriptor = ModelDescriptor | TextModelDescriptor;

const TASK_METRICS: Readonly<Record<TextTask, readonly TextMetric[]>> = {
  'language-model': ['natsPerChar'],
  'sequence-to-sequence': ['per', 'wer'],
};

/** The task of a registered model (`'image-classification'` when it names none). */
export function modelTask(m: AnyModelDescriptor): ModelTask {
  return m.task ?? 'image-classification';
}

/** Whether a registered model is a text model. */
export function isTextModel(m: AnyModelDescriptor): m is TextModelDescriptor {
  return modelTask(m) !== 'image-classification';
}

const registry = new Map<string, AnyModelDescriptor>();

function checkShape(name: string, s: ImageShape | undefined): void {
  if (s === undefined) return;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ConfigError(`registerModel('${name}'): inputShape must be [C, H, W] of positive integers; got ${JSON.stringify(s)}.`);
  }
}

/**
 * Registers a model under its (case-insensitive) name; registering an existing name
 * replaces it. Plugins call this from their own `register()` function. A descriptor without
 * a `task` is an image classifier; a text model names its task (`'language-model'` or
 * `'sequence-to-sequence'`), its default dataset and a `build` that takes vocabulary sizes.
 *
 * @example
 * registerModel({ name: 'tiny-mlp', description: 'C·H·W → 32 → classes', package: 'my-plugin',
 *   build: ({ numClasses, inputShape: [c, h, w] }) => mlp({ inFeatures: c * h * w, hidden: [32], outFeatures: numClasses }) });
 * registerModel({ name: 'tiny-gpt', task: 'language-model', dataset: 'names', description: 'a 1-layer CharGPT',
 *   build: ({ srcVocabSize, blockSize }) => new CharGPT({ vocabSize: srcVocabSize, blockSize, dModel: 16, numLayers: 1 }) });
 */
export function registerModel(model: AnyModelDescriptor): void {
  const name = typeof model?.name === 'string' ? model.name.trim() : '';
  if (name === '') throw new ConfigError('registerModel: the model needs a non-empty name.');
  const task = (model as { task?: unknown }).task ?? 'image-classification';
  if (!MODEL_TASKS.includes(task as ModelTask))
    throw new ConfigError(`registerModel('${name}'): task must be one of ${MODEL_TASKS.join(', ')}; got ${JSON.stringify(task)}.`);
  if (typeof model.build !== 'function') {
    const sig = task === 'image-classification' ? '({ numClasses, inputShape })' : '({ srcVocabSize, tgtVocabSize, blockSize })';
    throw new ConfigError(`registerModel('${name}'): build must be a function ${sig} => model.`);
  }
  if (typeof model.description !== 'string') throw new ConfigError(`registerModel('${name}'): description must be a string.`);
  if (isTextModel(model)) {
    if (typeof model.dataset !== 'string' || model.dataset === '')
      throw new ConfigError(`registerModel('${name}'): a ${task} model names its default dataset (dataset: 'names', 'cmudict', …).`);
    const metrics = model.metrics ?? TASK_METRICS[model.task];
    registry.set(name.toLowerCase(), {
      ...model,
      name: name.toLowerCase(),
      tokenizer: model.tokenizer ?? 'characters',
      metrics,
      package: model.package ?? '@tessera/models',
    });
    return;
  }
  checkShape(name, model.inputShape);
  registry.set(name.toLowerCase(), { ...model, name: name.toLowerCase(), package: model.package ?? '@tessera/models' });
}

/**
 * Names of the registered models, in registration order (the built-ins first; a replaced
 * name keeps its place); with `task`, only that task's (image classifiers: `'image-classification'`).
 */
export function modelNames(task?: ModelTask): string[] {
  return modelDescriptors(task).map((m) => m.name);
}

/** Every registered model (of `task`, when given), in registration order. */
export function modelDescriptors(task?: ModelTask): AnyModelDescriptor[] {
  const all = [...registry.values()];
  return task === undefined ? all : all.filter((m) => modelTask(m) === task);
}

/** The model registered under `name` (any task); unknown names throw `ConfigError` listing the known ones. */
export function modelDescriptor(name: string): AnyModelDescriptor {
  const m = typeof name === 'string' ? registry.get(name.toLowerCase()) : undefined;
  if (!m) throw new ConfigError(`unknown model '${String(name)}'; known models: ${modelNames().join(', ')}. Add one with registerModel({ ` +
    `name, description, build }).`);
  return m;
}

/** The image classifier registered under `name`; a text model throws `ConfigError` naming its task. */
export function imageModelDescriptor(name: string): ModelDescriptor {
  const m = modelDescriptor(name);
  if (isTextModel(m))
    throw new ConfigError(`model '${m.name}' is a ${m.task} model, not an image classifier; build it with buildTextModel('${m.name}', ` +
      `{ srcVocabSize, … }) (image models: ${modelNames('image-classification').join(', ')}).`);
  return m;
}

/** The text model registered under `name`; an image classifier throws `ConfigError`. */
export function textModelDescriptor(name: string): TextModelDescriptor {
  const m = modelDescriptor(name);
  if (!isTextModel(m)) {
    const text = modelDescriptors().filter(isTextModel).map((d) => d.name);
    throw new ConfigError(`model '${m.name}' is an image classifier, not a text model; text models: ${text.join(', ') || 'none'}.`);
  }
  return m;
}

/**
 * Builds the text model registered under `name` for the vocabulary sizes of its data; a
 * sequence-to-sequence model without `tgtVocabSize` throws `ConfigError`.
 */
export function buildTextModel(name: string, opts: TextModelBuildOptions): AnyModule {
  const m = textModelDescriptor(name);
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!positive(opts.srcVocabSize) || !positive(opts.blockSize))
    throw new ConfigError(`buildTextModel('${m.name}'): srcVocabSize and blockSize must be positive integers; got ` +
      `${String(opts.srcVocabSize)} and ${String(opts.blockSize)}.`);
  if (m.task === 'sequence-to-sequence' && !positive(opts.tgtVocabSize))
    throw new ConfigError(`buildTextModel('${m.name}'): a sequence-to-sequence model needs tgtVocabSize (the target vocabulary's size).`);
  return m.build(opts);
}

/**
 * Builds the model registered under `name` for `numClasses` outputs on `inputShape`
 * images; a model made for another input shape throws `ConfigError` naming both.
 */
export function buildModel(name: string, opts: ModelBuildOptions): Layer {
  const m = imageModelDescriptor(name);
  const want = m.inputShape;
  if (want && want.some((d, i) => d !== opts.inputShape[i])) {
    throw new ConfigError(
      `model '${m.name}' expects ${want.join('×')} images (C×H×W) but got ${opts.inputShape.join('×')}; choose a model made for this ` +
        `input (${modelNames('image-classification').join(', ')}).`,
    );
  }
  return m.build(opts);
}

for (const m of [...BUILTIN_MODELS, ...BUILTIN_TEXT_MODELS]) registerModel(m);
