import { ConfigError } from '@tessera/core';
import type { Recipe } from './recipe.js';
import { BUILTIN_RECIPES } from './builtin/index.js';

/** A recipe that cannot be registered or found: a `ConfigError` that names the recipe. */
export class RecipeError extends ConfigError {
  constructor(
    /** The recipe's name as given. */
    readonly recipe: string,
    message: string,
  ) {
    super(message);
  }
}

const registry = new Map<string, Recipe>();

const isCount = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n > 0;

/** Every problem of a recipe's plain fields, as `field: what is wrong` lines. */
function problems(r: Recipe): string[] {
  const out: string[] = [];
  if (!isCount(r.version)) out.push(`version must be a positive integer (got ${String(r.version)})`);
  for (const k of ['model', 'dataset', 'description'] as const)
    if (typeof r[k] !== 'string' || (k !== 'description' && r[k] === '')) out.push(`${k} must be a non-empty string`);
  if (!isCount(r.epochs)) out.push(`epochs must be a positive integer (got ${String(r.epochs)})`);
  if (!isCount(r.batchSize)) out.push(`batchSize must be a positive integer (got ${String(r.batchSize)})`);
  if (!(typeof r.validationSplit === 'number' && r.validationSplit >= 0 && r.validationSplit <= 0.9))
    out.push(`validationSplit must be in [0, 0.9] (got ${String(r.validationSplit)})`);
  if (!(Number.isInteger(r.seed) && r.seed >= 0 && r.seed < 2 ** 32))
    out.push(`seed must be an integer in [0, 2³²−1] (got ${String(r.seed)})`);
  if (typeof r.optimizer?.name !== 'string' || !(r.optimizer.lr >= 0)) out.push('optimizer must be { name, lr ≥ 0, momentum?, options? }');
  const s = r.schedule;
  if (s?.type !== 'constant' && s?.type !== 'cosine')
    out.push(`schedule.type must be 'constant' or 'cosine' (got ${String((s as { type?: unknown } | undefined)?.type)})`);
  else if (s.type === 'cosine') {
    if (s.warmupEpochs !== undefined && !(s.warmupEpochs >= 0 && s.warmupEpochs < r.epochs))
      out.push(`schedule.warmupEpochs must be in [0, epochs) (got ${s.warmupEpochs})`);
    if (s.minLrFactor !== undefined && !(s.minLrFactor >= 0 && s.minLrFactor <= 1))
      out.push(`schedule.minLrFactor must be in [0, 1] (got ${s.minLrFactor})`);
  }
  const p = r.augmentation?.randomCropPadding;
  if (r.augmentation === undefined) out.push('augmentation must be an object ({} for none)');
  else if (p !== undefined && !(Number.isInteger(p) && p >= 0))
    out.push(`augmentation.randomCropPadding must be a non-negative integer (got ${String(p)})`);
  return out;
}

/**
 * Registers a recipe under its (case-insensitive) name; registering an existing name
 * replaces it (give the new one a higher `version`). Plugins call this from their
 * `register()`, and `tessera train --recipe NAME` runs it.
 *
 * @example
 * registerRecipe({ ...recipe('fashion-mnist'), name: 'fashion-mnist-long', version: 1, epochs: 40, package: 'my-plugin' });
 */
export function registerRecipe(r: Recipe): void {
  const name = typeof r?.name === 'string' ? r.name.trim().toLowerCase() : '';
  if (name === '') throw new RecipeError(String(r?.name), 'registerRecipe: the recipe needs a non-empty name.');
  const bad = problems(r);
  if (bad.length > 0) throw new RecipeError(name, `registerRecipe('${name}'): ${bad.join('; ')}.`);
  registry.set(name, { ...r, name, package: r.package ?? '@tessera/train' });
}

/** Names of the registered recipes, in registration order (the built-ins first). */
export function recipeNames(): string[] {
  return [...registry.keys()];
}

/** Every registered recipe, in registration order. */
export function recipes(): Recipe[] {
  return [...registry.values()];
}

/** The recipe registered under `name`; an unknown name throws `RecipeError` listing the known ones. */
export function recipe(name: string): Recipe {
  const r = typeof name === 'string' ? registry.get(name.trim().toLowerCase()) : undefined;
  if (!r)
    throw new RecipeError(
      String(name),
      `unknown recipe '${String(name)}'; known recipes: ${recipeNames().join(', ')}. ` +
        'Add one with registerRecipe({ name, version, model, dataset, … }).',
    );
  return r;
}

for (const r of BUILTIN_RECIPES) registerRecipe(r);
