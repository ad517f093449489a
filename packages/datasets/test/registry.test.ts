import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { datasetDescriptor, datasetDescriptors, datasetNames, fetchDataset, registerDataset } from '../src/index.js';
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
    expect(datasetDescriptor('cifar10').source.files['cifar-10-binary.tar.gz'].size).toBe(170052171);
    expect(datasetDescriptors().every((d) => d.classes.length >= 10 || d.package !== '@tessera/datasets')).toBe(true);
  });

  it('unknown names and malformed descriptors are ConfigErrors that say the fix', () => {
    expect(() => datasetDescriptor('imagenet')).toThrow(ConfigError);
    expect(() => datasetDescriptor('imagenet')).toThrow(/unknown dataset 'imagenet'; known datasets: .*mnist.*registerDataset/);
    const bad = { ...datasetDescriptor('mnist'), name: 'bad', inputShape: [28, 28] as unknown as [number, number, number] };
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
