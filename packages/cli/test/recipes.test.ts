import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recipe, recipeNames } from '@tessera/train';
import { parseCommand, usage } from '../src/args.js';
import { CliError } from '../src/errors.js';
import { infoCommand, main, train } from '../src/index.js';
import { trainSpec } from '../src/commands/train.js';
import { withRecipe } from '../src/run/recipe-options.js';
import { captureIo } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-recipes-'));

/** The values `tessera train` runs with for these arguments (recipe applied). */
const resolved = (argv: string[]) => {
  const p = parseCommand(trainSpec, argv);
  return withRecipe(p.values, p.given);
};

describe('tessera train --recipe', () => {
  it('parses --recipe; the recipe fills every option not given, explicit flags win, defaults come last', () => {
    const r = recipe('fashion-mnist');
    const all = resolved(['--recipe', 'fashion-mnist']);
    expect(all.recipe?.name).toBe('fashion-mnist');
    expect(all.values).toMatchObject({ model: 'vgg-mini', dataset: 'fashion-mnist', epochs: r.epochs, batchSize: r.batchSize, optimizer: 'sgd', lr: r.optimizer.lr, momentum: 0.9, validationSplit: 0.1, seed: 0, backend: 'auto' });
    const over = resolved(['--recipe', 'fashion-mnist', '--epochs', '3', '--lr', '0.01', '--seed', '7', '--batch-size', '32', '--validation-split', '0.2']);
    expect(over.values).toMatchObject({ model: 'vgg-mini', epochs: 3, lr: 0.01, seed: 7, batchSize: 32, validationSplit: 0.2, momentum: 0.9 });
    // Another optimizer does not inherit the recipe's momentum.
    expect(resolved(['--recipe', 'fashion-mnist', '--optimizer', 'adam']).values).toMatchObject({ optimizer: 'adam', lr: r.optimizer.lr, momentum: undefined });
    // Without --recipe nothing changes: the command's defaults.
    const none = resolved([]);
    expect(none.recipe).toBeNull();
    expect(none.values).toMatchObject({ model: 'mnist-cnn', dataset: 'mnist', epochs: 10, batchSize: 100, lr: 0.1, optimizer: 'sgd' });
  });

  it('an unknown recipe is a usage error listing the known ones; --help and info list them', async () => {
    expect(() => parseCommand(trainSpec, ['--recipe', 'fashion'])).toThrow(CliError);
    expect(() => parseCommand(trainSpec, ['--recipe', 'fashion'])).toThrow(new RegExp(`unknown --recipe 'fashion'; valid values: ${recipeNames().join(', ')}`));
    const io = captureIo();
    expect(await main(['train', '--recipe', 'nope'], io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/unknown --recipe 'nope'; valid values: fashion-mnist, mnist-sample, deck004/);
    expect(usage(trainSpec)).toMatch(/--recipe <value>.*\[fashion-mnist\|mnist-sample\|deck004\]/);
    const lines = Object.fromEntries(await infoCommand(['--backend', 'cpu'], captureIo()));
    expect(lines['recipe fashion-mnist']).toMatch(/^v\d+: vgg-mini/);
    expect(lines['recipe deck004']).toMatch(/^v1: /);
    expect(lines['recipe mnist-sample']).toMatch(/ — measured: test accuracy \d+\.\d\d %/);
  });

  it('runs a recipe end to end (mnist-sample, 1 short epoch on 300 digits) and records it', async () => {
    const out = join(dir, 'run');
    const io = captureIo();
    const s = await train(['--recipe', 'mnist-sample', '--epochs', '1', '--limit', '300', '--batch-size', '50', '--backend', 'cpu', '--out', out], io);
    expect(s.history.loss).toHaveLength(1);
    expect(s.testAccuracy).not.toBeNull();
    expect(io.lines.join('\n')).toMatch(/Model: vgg-mini \([\d,]+ parameters\) on cpu/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      recipe: 'mnist-sample', recipeVersion: 1, model: 'vgg-mini', dataset: 'mnist-sample', epochs: 1, batchSize: 50, optimizer: 'sgd', lr: 0.05, momentum: 0.9,
      schedule: { type: 'cosine', warmupEpochs: 1 }, augmentation: { randomCropPadding: 2 }, optimizerOptions: { nesterov: true, weightDecay: 5e-4 },
    });
    // 270 training digits in batches of 50: 6 steps, all of them the warmup (1 epoch) but the last.
    const [epoch] = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(epoch.lr).toBeLessThan(0.05);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('mnist-sample v1');
    // The recipe is part of what a checkpoint is: resuming with another is refused.
    const again = captureIo();
    await expect(train(['--recipe', 'deck004', '--out', out, '--resume', '--backend', 'cpu'], again)).rejects.toThrow(/--recipe\s+checkpoint mnist-sample\s+given deck004/);
  });
});
