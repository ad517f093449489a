import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, Parameter, manualSeed, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { SGD } from '@tessera/optim';
import { type Recipe, RecipeError, recipe, recipeAugmentation, recipeNames, recipeOptimizerOptions, recipeScheduler, recipes, registerRecipe } from '../src/index.js';

beforeAll(() => use(cpu()));

const base = (): Recipe => ({ ...recipe('fashion-mnist'), name: 'test-recipe', version: 1, package: 'a-plugin' });

describe('recipe registry', () => {
  it('lists the built-ins, one per file, each complete and versioned', () => {
    expect(recipeNames().slice(0, 3)).toEqual(['fashion-mnist', 'mnist-sample', 'deck004']);
    for (const r of recipes()) {
      expect(r.version, r.name).toBeGreaterThanOrEqual(1);
      expect(r.package).toBeDefined();
    }
    expect(recipe('fashion-mnist')).toMatchObject({ model: 'vgg-mini', dataset: 'fashion-mnist', augmentation: { randomCropPadding: 2, horizontalFlip: true }, schedule: { type: 'cosine' } });
    expect(recipe('deck004')).toMatchObject({ model: 'mnist-cnn', optimizer: { name: 'sgd', lr: 0.1 }, batchSize: 100, epochs: 10, schedule: { type: 'constant' }, augmentation: {} });
    expect(recipe('mnist-sample').augmentation.horizontalFlip).toBeFalsy(); // a flipped digit is another glyph
    expect(recipe(' Fashion-MNIST ').name).toBe('fashion-mnist');
  });

  it('an unknown name is a RecipeError (a ConfigError) that lists the known recipes', () => {
    let err: unknown;
    try {
      recipe('fashion-mnsit');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RecipeError);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as RecipeError).recipe).toBe('fashion-mnsit');
    expect((err as Error).message).toMatch(/unknown recipe 'fashion-mnsit'; known recipes: fashion-mnist, mnist-sample, deck004/);
    expect((err as Error).message).toContain('registerRecipe');
  });

  it('a plugin registers one (listed after the built-ins; the same name replaces it)', () => {
    registerRecipe(base());
    expect(recipeNames()).toContain('test-recipe');
    expect(recipe('test-recipe').package).toBe('a-plugin');
    registerRecipe({ ...base(), version: 2, epochs: 3 });
    expect(recipe('test-recipe')).toMatchObject({ version: 2, epochs: 3 });
    expect(recipeNames().filter((n) => n === 'test-recipe')).toHaveLength(1);
  });

  it('refuses a malformed recipe, naming every bad field', () => {
    const bad = { ...base(), name: 'broken', version: 0, epochs: 2.5, validationSplit: 1, schedule: { type: 'linear' } } as unknown as Recipe;
    expect(() => registerRecipe(bad)).toThrow(RecipeError);
    expect(() => registerRecipe(bad)).toThrow(/registerRecipe\('broken'\): version must be a positive integer \(got 0\); epochs must be a positive integer \(got 2\.5\); validationSplit must be in \[0, 0\.9\] \(got 1\); schedule\.type must be 'constant' or 'cosine' \(got linear\)\./);
    expect(() => registerRecipe({ ...base(), name: '' })).toThrow(/needs a non-empty name/);
    const epochs = base().epochs;
    expect(() => registerRecipe({ ...base(), name: 'w', schedule: { type: 'cosine', warmupEpochs: epochs } })).toThrow(
      new RegExp(`warmupEpochs must be in \\[0, epochs\\) \\(got ${epochs}\\)`),
    );
    expect(() => registerRecipe({ ...base(), name: 'c', augmentation: { randomCropPadding: -1 } })).toThrow(/randomCropPadding must be a non-negative integer/);
    expect(recipeNames()).not.toContain('broken');
  });
});

describe('building a recipe', () => {
  it('optimizer options: given lr/momentum override the recipe; its other options only for its own optimizer', () => {
    const o = recipe('fashion-mnist').optimizer;
    expect(recipeOptimizerOptions(o, 'sgd')).toEqual({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    expect(recipeOptimizerOptions(o, 'SGD', { lr: 0.01 })).toEqual({ lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    expect(recipeOptimizerOptions(o, 'adam', { lr: 1e-3 })).toEqual({ lr: 1e-3 });
    expect(recipeOptimizerOptions(o, 'adam')).toEqual({ lr: 0.05 });
    expect(recipeOptimizerOptions(o, 'rmsprop', { momentum: 0.5 })).toEqual({ lr: 0.05, momentum: 0.5 });
  });

  it('cosine schedule: linear warmup over the first epochs, then down to minLrFactor × lr at the last step', () => {
    const p = new Parameter(tensor([1, 2]));
    const opt = new SGD([p], { lr: 0.1 });
    const s = recipeScheduler({ type: 'cosine', warmupEpochs: 1, minLrFactor: 0.1 }, opt, { epochs: 3, stepsPerEpoch: 4 })!;
    const lrs = [opt.paramGroups[0].lr];
    for (let t = 0; t < 12; t++) {
      s.step();
      lrs.push(opt.paramGroups[0].lr);
    }
    // warmup 0.025, 0.05, 0.075, 0.1 (steps 0–3), then cosine over 8 steps from 0.1 to 0.01
    expect(lrs.slice(0, 5)).toEqual([0.025, 0.05, 0.075, 0.1, 0.1].map((x) => expect.closeTo(x, 12)));
    const cos = (k: number): number => 0.01 + (0.09 * (1 + Math.cos((Math.PI * k) / 8))) / 2;
    for (let k = 0; k <= 8; k++) expect(lrs[4 + k]).toBeCloseTo(cos(k), 12);
    expect(lrs[12]).toBeCloseTo(0.01, 12);
    expect(recipeScheduler({ type: 'constant' }, opt, { epochs: 3, stepsPerEpoch: 4 })).toBeNull();
    const plain = recipeScheduler({ type: 'cosine' }, new SGD([p], { lr: 0.2 }), { epochs: 2, stepsPerEpoch: 5 })!;
    expect(plain.getLr()[0]).toBeCloseTo(0.2, 12); // no warmup: starts at the peak
  });

  it('augmentation: none → null; crop (pad) and flip keep the shape, move pixels, and repeat under the same seed', async () => {
    expect(recipeAugmentation({})).toBeNull();
    expect(recipeAugmentation({ randomCropPadding: 0, horizontalFlip: false })).toBeNull();
    const f = recipeAugmentation({ randomCropPadding: 2, horizontalFlip: true })!;
    const x = tensor(Float32Array.from({ length: 8 * 36 }, (_, i) => (i % 36) / 36), { shape: [8, 1, 6, 6] });
    manualSeed(5);
    const a = await f(x).data();
    manualSeed(5);
    const b = await f(x).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(f(x).shape).toEqual([8, 1, 6, 6]);
    expect(Array.from(a)).not.toEqual(Array.from(await x.data()));
    const sum = (v: ArrayLike<number>): number => Array.from(v).reduce((s, y) => s + y, 0);
    // Flips keep every value; crops only lose pixels to the zero padding.
    const flipOnly = recipeAugmentation({ horizontalFlip: true })!;
    expect(sum(await flipOnly(x).data())).toBeCloseTo(sum(await x.data()), 3);
    expect(sum(a)).toBeLessThanOrEqual(sum(await x.data()) + 1e-3);
  });
});
