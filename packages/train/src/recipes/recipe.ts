/**
 * A recipe: a named, versioned training configuration that tools (`tessera train --recipe
 * NAME`) run as a whole. Plain data, so it can be printed, recorded in a run's config and
 * compared; `registerRecipe` adds one, `recipe(name)` finds it.
 */
export interface Recipe {
  /** Name for `--recipe` (lowercase, e.g. `'fashion-mnist'`). */
  readonly name: string;
  /** Bumped whenever a setting changes, so a recorded run says exactly what it ran. */
  readonly version: number;
  /** One line: what it trains and what it reaches. */
  readonly description: string;
  /** A model registered in @tessera/models (`registerModel`), by name. */
  readonly model: string;
  /** A dataset registered in @tessera/datasets (`registerDataset`), by name. */
  readonly dataset: string;
  readonly optimizer: RecipeOptimizer;
  readonly schedule: RecipeSchedule;
  /** Training-time augmentation, applied to pixels in [0, 1] before normalisation. */
  readonly augmentation: RecipeAugmentation;
  readonly epochs: number;
  readonly batchSize: number;
  /** Fraction of the training data held out for validation (stratified, seeded by `seed`). */
  readonly validationSplit: number;
  readonly seed: number;
  /** Measured results, for help texts and READMEs (newest last). */
  readonly results?: readonly RecipeResult[];
  /** The package that registered it (default `'@tessera/train'`). */
  readonly package?: string;
}

/** The optimizer of a recipe: a name of @tessera/optim's registry and its options. */
export interface RecipeOptimizer {
  /** e.g. `'sgd'`, `'adamw'`. */
  readonly name: string;
  readonly lr: number;
  /** Momentum (SGD, RMSProp), when the optimizer takes one. */
  readonly momentum?: number;
  /** Any further options of that optimizer (`nesterov`, `weightDecay`, `betas` …). */
  readonly options?: Readonly<Record<string, number | boolean | readonly number[]>>;
}

/**
 * The learning-rate schedule, stepped after every batch: `constant`, or `cosine` (an
 * optional linear warmup of `warmupEpochs`, then cosine annealing to `minLrFactor` × lr at
 * the last step).
 */
export type RecipeSchedule =
  | { readonly type: 'constant' }
  | { readonly type: 'cosine'; readonly warmupEpochs?: number; readonly minLrFactor?: number };

/** Augmentation of training images (torchvision's names); absent entries are off. */
export interface RecipeAugmentation {
  /** `RandomCrop(size, padding)`: pad by this many pixels, crop back to the original size. */
  readonly randomCropPadding?: number;
  /** `RandomHorizontalFlip(0.5)` (not for digits). */
  readonly horizontalFlip?: boolean;
}

/** A measured result of a recipe, as the README and `tessera info` report it. */
export interface RecipeResult {
  /** e.g. `'test accuracy 93.12 %'`. */
  readonly metric: string;
  /** Where and how: backend, machine, epochs, time. */
  readonly setting: string;
}
