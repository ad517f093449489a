import { type ImageTransform, compose, randomCrop, randomHorizontalFlip } from '@tessera/datasets';
import { CosineAnnealingLR, type LRSchedule, LinearWarmupLR, type Optimizer } from '@tessera/optim';
import type { RecipeAugmentation, RecipeOptimizer, RecipeSchedule } from './recipe.js';

/**
 * The recipe's augmentation as one batch transform on images in [0, 1] (crop, then flip),
 * or null when it has none. Random draws come from the global seeded generator.
 */
export function recipeAugmentation(aug: RecipeAugmentation): ImageTransform | null {
  const steps: ImageTransform[] = [];
  const pad = aug.randomCropPadding ?? 0;
  if (pad > 0) steps.push((x) => randomCrop(x, pad));
  if (aug.horizontalFlip) steps.push((x) => randomHorizontalFlip(x));
  return steps.length > 0 ? compose(...steps) : null;
}

/**
 * The recipe's schedule on `optimizer` (whose lr is the peak), stepped after every batch
 * (`fit`'s `schedulerInterval: 'batch'`), over `epochs` × `stepsPerEpoch` steps; null for
 * a constant lr.
 */
export function recipeScheduler(
  schedule: RecipeSchedule,
  optimizer: Optimizer,
  o: { readonly epochs: number; readonly stepsPerEpoch: number },
): LRSchedule | null {
  if (schedule.type === 'constant') return null;
  const total = Math.max(1, o.epochs * o.stepsPerEpoch);
  const warmup = Math.min(total - 1, Math.round((schedule.warmupEpochs ?? 0) * o.stepsPerEpoch));
  const peak = optimizer.paramGroups[0]?.lr ?? 0;
  const cosine = new CosineAnnealingLR(optimizer, { tMax: total - warmup, etaMin: peak * (schedule.minLrFactor ?? 0) });
  return warmup > 0 ? new LinearWarmupLR(optimizer, { warmupSteps: warmup, then: cosine }) : cosine;
}

/**
 * Options for `optimizer(name, params, opts)` of @tessera/optim: `lr` and `momentum` (each
 * from `overrides` when given, else the recipe's), plus the recipe's further options when
 * `name` is the recipe's own optimizer (another optimizer may not take them).
 */
export function recipeOptimizerOptions(
  opt: RecipeOptimizer,
  name: string,
  overrides: { readonly lr?: number; readonly momentum?: number } = {},
): Record<string, unknown> {
  const same = name.toLowerCase() === opt.name.toLowerCase();
  const out: Record<string, unknown> = same ? { ...opt.options } : {};
  out.lr = overrides.lr ?? opt.lr;
  const momentum = overrides.momentum ?? (same ? opt.momentum : undefined);
  if (momentum !== undefined) out.momentum = momentum;
  return out;
}
