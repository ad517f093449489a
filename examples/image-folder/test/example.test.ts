import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, memory, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { readImageHeader } from '@tessera/datasets';
import { SHAPES, makeShapeFolder } from '../src/shapes.js';
import { trainOnFolder } from '../src/train.js';
import { runExample } from '../src/run.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-example-shapes-'));
beforeAll(async () => {
  use(cpu());
  await init();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('examples/image-folder: a few hundred generated PNG/JPEG images → ImageFolder → DataLoader → fit', () => {
  it('writes train/ and test/ with one folder per shape, PNG and JPEG alternating', () => {
    expect(makeShapeFolder(root, { train: 100, test: 20 })).toBe(360);
    for (const split of ['train', 'test']) expect(readdirSync(join(root, split)).sort()).toEqual([...SHAPES]);
    const formats = readdirSync(join(root, 'train', 'circle')).map((f) => readImageHeader(readFileSync(join(root, 'train', 'circle', f)), f).format);
    expect(formats.filter((f) => f === 'png')).toHaveLength(67);
    expect(formats.filter((f) => f === 'jpeg')).toHaveLength(33);
  });

  it('the MNIST CNN learns the shapes well above chance in a few epochs, and leaks no tensors', async () => {
    const before = memory().numTensors;
    const epochs: number[] = [];
    const r = await trainOnFolder(root, { epochs: 5, onEpoch: (e) => epochs.push(e) });
    expect(r.classes).toEqual([...SHAPES]);
    expect([r.trainImages, r.validationImages, r.testImages]).toEqual([270, 30, 60]);
    expect(epochs).toEqual([0, 1, 2, 3, 4]);
    expect(r.history.loss.at(-1)).toBeLessThan(r.history.loss[0]);
    // Chance is 1/3.
    expect(r.testAccuracy).toBeGreaterThan(0.7);
    expect(memory().numTensors).toBe(before);
  });

  it('the script prints each epoch and the test accuracy (runExample, what dist/main.js runs; 1 epoch on the folder just written)', async () => {
    const lines: string[] = [];
    await runExample([root, '1'], (l) => lines.push(l));
    expect(lines).toHaveLength(3); // the folder exists: nothing is written
    expect(lines[0]).toMatch(/^epoch 1: loss \d\.\d{3} · accuracy \d\.\d{3} · val_accuracy \d\.\d{3}$/);
    expect(lines[1]).toBe('classes circle, square, triangle; 270 train / 30 validation / 60 test images');
    expect(lines[2]).toMatch(/^test accuracy \d+\.\d% \(chance 33\.3%\)$/);
    await expect(runExample([root, '0'], () => {})).rejects.toThrow(/epochs must be a positive integer/);
  });
});
