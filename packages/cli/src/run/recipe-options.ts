import { type Recipe, recipe as findRecipe } from '@tessera/train';

type Values = Record<string, string | number | boolean | undefined>;

/**
 * The values of `tessera train` with `--recipe`: every option given on the command line
 * wins; the rest come from the recipe (model, dataset, epochs, batch size, optimizer, lr,
 * momentum, validation split, seed), then the command's defaults. The recipe's momentum
 * applies only when the optimizer is the recipe's own. Without `--recipe`, `values` as
 * they are and `recipe: null`.
 */
export function withRecipe(values: Readonly<Values>, given: ReadonlySet<string>): { values: Values; recipe: Recipe | null } {
  const name = values.recipe;
  if (typeof name !== 'string') return { values: { ...values }, recipe: null };
  const r = findRecipe(name);
  const out: Values = { ...values };
  const take = (key: string, v: string | number | boolean | undefined): void => {
    if (!given.has(key)) out[key] = v;
  };
  take('model', r.model);
  take('dataset', r.dataset);
  take('epochs', r.epochs);
  take('batchSize', r.batchSize);
  take('optimizer', r.optimizer.name);
  take('lr', r.optimizer.lr);
  take('momentum', out.optimizer === r.optimizer.name ? r.optimizer.momentum : undefined);
  take('validationSplit', r.validationSplit);
  take('seed', r.seed);
  return { values: out, recipe: r };
}

/** The recipe a run's values name (`--recipe`, or the one its config.json recorded), or null. */
export function recipeOf(values: Readonly<Values>): Recipe | null {
  return typeof values.recipe === 'string' ? findRecipe(values.recipe) : null;
}
