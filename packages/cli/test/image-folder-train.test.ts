import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '@tessera/layers';
import { main, predictCommand, train } from '../src/index.js';
import { captureIo } from './helpers.js';
import { PATTERNS, patternFile, writePatternFolder } from './pattern-images.js';

// A folder of 330 generated images (110 per class, a third of them JPEG, 36×30 so the
// centre crop matters): dots, horizontal stripes, vertical stripes in random colours.
const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-folder-'));
const images = join(dir, 'patterns');
const written = writePatternFolder(images, { perClass: 110, width: 36, height: 30 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tessera train --data (an image folder)', () => {
  const out = join(dir, 'run');

  it('trains mnist-cnn on a folder of PNG and JPEG images well above chance; the checkpoint records the class names', async () => {
    expect(written).toBe(330);
    const io = captureIo();
    const s = await train(['--data', images, '--model', 'mnist-cnn', '--epochs', '2', '--batch-size', '25', '--optimizer', 'adam', '--lr', '0.003', '--backend', 'cpu', '--out', out], io);
    expect(s.datasetSource).toMatch(/^image folder patterns \(3 classes, 330 images\) at .*patterns: 297 train \/ 33 test \(--test-split 0\.1, stratified, fixed seed\)$/);
    expect(io.text()).toMatch(/Validation: 30 training examples held out/);
    expect(io.text()).toMatch(/Decoding image folder patterns .* at 1×28×28 \(resized to cover, centre-cropped\)/);
    // Chance is 1/3; the patterns differ in orientation only, which a CNN sees at once.
    expect(s.testAccuracy).toBeGreaterThan(0.8);
    expect(s.history.val_accuracy.at(-1)).toBeGreaterThan(0.7);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model: 'mnist-cnn', dataset: null, data: images, testSplit: 0.1, classes: [...PATTERNS], inputShape: [1, 28, 28] });
    const meta = readSafetensorsHeader(new Uint8Array(readFileSync(join(out, 'best.safetensors')))).metadata;
    const info = JSON.parse(meta['tessera.run']);
    expect(info).toMatchObject({ imageFolder: images, classes: [...PATTERNS], inputShape: [1, 28, 28] });
    expect(info.dataset).toBeUndefined();
  });

  it('predict reads JPEG and PNG files and prints the class names, preparing them as the folder was', async () => {
    const files = PATTERNS.flatMap((kind, k) => (['jpeg', 'png'] as const).map((format, f) => {
      const file = join(dir, `new-${kind}.${format === 'png' ? 'png' : 'jpg'}`);
      writeFileSync(file, patternFile(kind, 48, 40, 9_000 + 10 * k + f, format)); // unseen, another size
      return { file, kind };
    }));
    const io = captureIo();
    const preds = await predictCommand([out, '--backend', 'cpu', '--top', '2', ...files.map((f) => f.file)], io);
    expect(preds).toHaveLength(6);
    for (const p of preds) expect(p.inverted).toBe(false);
    const right = preds.filter((p, i) => p.top[0].label === files[i].kind).length;
    expect(right).toBeGreaterThanOrEqual(5);
    expect(io.lines[0]).toMatch(/new-dots\.jpg: (dots|hstripes|vstripes) \d+\.\d%, (dots|hstripes|vstripes) \d+\.\d%$/);
  });

  it('--resume continues the folder run from its config (the same folder, split and classes)', async () => {
    const io = captureIo();
    const s = await train(['--resume', '--out', out, '--epochs', '3', '--backend', 'cpu'], io);
    expect(s.history.loss).toHaveLength(3);
    expect(s.datasetSource).toMatch(/: 297 train \/ 33 test/);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ data: images, dataset: null, epochs: 3, classes: [...PATTERNS] });
    const other = captureIo();
    expect(await main(['train', '--resume', '--out', out, '--data', join(dir, 'elsewhere'), '--epochs', '4'], other)).toBe(2);
    expect(other.errors.join('\n')).toMatch(/--data\s+checkpoint .*patterns\s+given .*elsewhere/);
  });

  it('a model that would need the images enlarged is refused, naming the models that fit', async () => {
    const io = captureIo();
    expect(await main(['train', '--data', images, '--model', 'resnet20', '--backend', 'cpu', '--out', join(dir, 'never')], io)).toBe(2);
    const msg = io.errors.join('\n');
    expect(msg).toMatch(/model 'resnet20' takes 3×32×32 images \(C×H×W\) but --data .*patterns has images as small as 36×30/);
    expect(msg).toMatch(/Models that fit these images: mnist-cnn \(1×28×28\), mlp \(any size\), lenet5 \(1×28×28\), vgg-mini \(any size\);/);
    expect(msg).not.toMatch(/fit these images:.*resnet20/);
  });

  it('train/ and test/ folders give the splits; a CSV manifest works too; --data with --dataset is refused', async () => {
    const split = join(dir, 'split');
    writePatternFolder(join(split, 'train'), { perClass: 12, width: 20, height: 20, seed: 2 });
    writePatternFolder(join(split, 'test'), { perClass: 4, width: 20, height: 20, seed: 3 });
    const io = captureIo();
    const s = await train(['--data', split, '--model', 'mlp', '--epochs', '1', '--batch-size', '12', '--backend', 'cpu', '--out', join(dir, 'run-split')], io);
    expect(s.datasetSource).toMatch(/\(3 classes, 48 images, 12 of them in test\/\) at .*: 36 train \/ 12 test \(test\/ folder\)$/);
    expect(io.text()).toMatch(/at 3×20×20/); // the MLP takes any size: RGB, the images' own when under 32
    const csv = join(dir, 'labels.csv');
    writeFileSync(csv, ['path,label', ...PATTERNS.flatMap((k) => Array.from({ length: 12 }, (_, i) => `split/train/${k}/${i}.${i % 3 === 2 ? 'jpg' : 'png'},${k}`))].join('\n'));
    const m = await train(['--data', csv, '--model', 'mlp', '--epochs', '1', '--batch-size', '12', '--test-split', '0.25', '--backend', 'cpu', '--out', join(dir, 'run-csv')], captureIo());
    expect(m.datasetSource).toMatch(/^manifest labels\.csv \(3 classes, 36 images\) at .*: 27 train \/ 9 test \(--test-split 0\.25/);
    const both = captureIo();
    expect(await main(['train', '--data', csv, '--dataset', 'mnist-sample'], both)).toBe(2);
    expect(both.errors.join('\n')).toMatch(/--data and --dataset contradict each other/);
  });
});
