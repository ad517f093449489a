import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ImageDataset } from '@tessera/datasets';
import { evaluateCommand, main, train } from '../src/index.js';
import { captureIo } from './helpers.js';

/** What happened, in order: fit starting and ending, and every read of the test split. */
const events = vi.hoisted(() => [] as string[]);
/** Test indices handed to getBatch, in order. */
const testIndices = vi.hoisted(() => [] as number[]);

vi.mock('@tessera/train', async (importOriginal) => {
  const m = await importOriginal<typeof import('@tessera/train')>();
  const fit: typeof m.fit = async (...args) => {
    events.push('fit:start');
    try {
      return await m.fit(...args);
    } finally {
      events.push('fit:end');
    }
  };
  return { ...m, fit };
});

/** The test split behind a proxy that records any read of its images, labels or examples. */
function recorded(test: ImageDataset): ImageDataset {
  return new Proxy(test, {
    get(target, prop, receiver) {
      if (prop === 'get' || prop === 'getBatch' || prop === 'images' || prop === 'labels') events.push(`test:${prop}`);
      if (prop === 'getBatch') {
        return (idx: readonly number[], o?: object) => {
          testIndices.push(...idx);
          return target.getBatch(idx, o);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

vi.mock('../src/data.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../src/data.js')>();
  const loadDataset: typeof m.loadDataset = async (...args) => {
    const d = await m.loadDataset(...args);
    return { ...d, test: recorded(d.test) };
  };
  return { ...m, loadDataset };
});

const root = mkdtempSync(join(tmpdir(), 'tessera-honest-'));
const QUICK = ['--model', 'mlp', '--dataset', 'mnist-sample', '--limit', '400', '--batch-size', '50', '--lr', '0.1', '--backend', 'cpu'];
const records = (out: string): Record<string, unknown>[] => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('tessera train: honest evaluation (issue 23)', () => {
  it('the test split is not read before training ends, then exactly once, on the best checkpoint', async () => {
    events.length = 0;
    testIndices.length = 0;
    const out = join(root, 'default');
    const io = captureIo();
    const s = await train([...QUICK, '--epochs', '3', '--out', out], io);
    const firstRead = events.findIndex((e) => e.startsWith('test:'));
    expect(events.filter((e) => e.startsWith('fit:'))).toEqual(['fit:start', 'fit:end']);
    expect(firstRead, events.slice(0, 6).join(' ')).toBeGreaterThan(events.indexOf('fit:end'));
    // Every test example exactly once: one evaluation.
    expect(testIndices).toHaveLength(2000);
    expect(new Set(testIndices).size).toBe(2000);

    // Validation came out of the 400 training examples: 40 held out, stratified, recorded.
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.validationSplit).toBe(0.1);
    expect(config.validation).toMatchObject({ fraction: 0.1, seed: 0, train: 360, validation: 40, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(config.validation.perClass.reduce((a: number, b: number) => a + b, 0)).toBe(40);

    const log = records(out);
    expect(log.slice(0, 3).map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(log[0]).toHaveProperty('val_accuracy');
    const last = log[3];
    expect(last).toMatchObject({ split: 'test', checkpoint: 'best.safetensors', monitor: 'val_accuracy', test_examples: 2000, test_accuracy: s.testAccuracy });
    // The tested epoch is the one with the best validation accuracy (first of ties).
    const val = s.history.val_accuracy;
    expect(last.best_epoch).toBe(val.indexOf(Math.max(...val)) + 1);
    expect(s.testedEpoch).toBe(last.best_epoch);
    expect(io.lines.join('\n')).toMatch(/Test accuracy \d+\.\d\d% \(2,000 test examples, evaluated once on best\.safetensors: epoch \d of 3, chosen by val_accuracy/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Test set — evaluated once, after training');
    expect(html.indexOf('Training and validation curves')).toBeLessThan(html.indexOf('Test set — evaluated once'));
    // tessera eval of the run directory tests the same weights (best.safetensors).
    const e = await evaluateCommand(['--checkpoint', out, '--backend', 'cpu'], captureIo());
    expect(e.accuracy).toBe(s.testAccuracy);
  });

  it('resume rebuilds the same split (checked against config.json) and tests again only at the new end', async () => {
    const out = join(root, 'default');
    events.length = 0;
    const s = await train(['--epochs', '4', '--backend', 'cpu', '--out', out, '--resume'], captureIo());
    expect(events.findIndex((e) => e.startsWith('test:'))).toBeGreaterThan(events.indexOf('fit:end'));
    const log = records(out);
    expect(log.map((r) => r.epoch ?? r.split)).toEqual([1, 2, 3, 4, 'test']); // the first run's test record is dropped
    expect(s.history.val_accuracy).toHaveLength(4);
    // A split that no longer matches the recorded one is refused.
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...cfg, validation: { ...cfg.validation, sha256: '0'.repeat(64) } }));
    const io = captureIo();
    expect(await main(['train', '--epochs', '5', '--backend', 'cpu', '--out', out, '--resume'], io)).toBe(2);
    expect(io.text()).toMatch(/--resume: the validation set rebuilt from --validation-split 0\.1 and --seed 0 .* differs from the run's/);
    const refused = captureIo();
    expect(await main(['train', '--epochs', '5', '--validation-split', '0.2', '--backend', 'cpu', '--out', out, '--resume'], refused)).toBe(2);
    expect(refused.text()).toMatch(/--validation-split\s+checkpoint 0\.1\s+given 0\.2/);
  });

  it('--validation-split 0: no validation set, best.safetensors follows the training loss; test still read once at the end', async () => {
    events.length = 0;
    testIndices.length = 0;
    const out = join(root, 'none');
    const s = await train([...QUICK, '--epochs', '2', '--validation-split', '0', '--out', out], captureIo());
    expect(Object.keys(s.history).filter((k) => k.startsWith('val_'))).toEqual([]);
    expect(events.findIndex((e) => e.startsWith('test:'))).toBeGreaterThan(events.indexOf('fit:end'));
    expect(testIndices).toHaveLength(2000);
    expect(records(out)[2]).toMatchObject({ split: 'test', monitor: 'loss' });
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).validation).toMatchObject({ train: 400, validation: 0 });
  });
});
