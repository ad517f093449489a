import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, init, memory, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, readImageHeader } from '../src/index.js';
import { decodeImage, ImageFolder } from '../src/node.js';
import { jpegBytes, pngBytes, put, solid } from './helpers/images.js';

let dir: string;
beforeAll(async () => {
  use(cpu());
  await init();
  dir = mkdtempSync(join(tmpdir(), 'tessera-imgfolder-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];

describe('image headers', () => {
  it('reads PNG and JPEG sizes from the header; other files name the file', () => {
    expect(readImageHeader(pngBytes(7, 5, solid(7, 5, RED)), 'a.png')).toEqual({ format: 'png', width: 7, height: 5 });
    expect(readImageHeader(jpegBytes(9, 4, solid(9, 4, RED)), 'b.jpg')).toEqual({ format: 'jpeg', width: 9, height: 4 });
    expect(() => readImageHeader(new TextEncoder().encode('GIF89a....'), 'c.gif')).toThrow(/c\.gif: is not a PNG or JPEG file/);
    expect(() => readImageHeader(jpegBytes(9, 4, solid(9, 4, RED)).subarray(0, 30), 'cut.jpg')).toThrow(/cut\.jpg: its JPEG header has no image size/);
  });

  it('a header declaring more than maxPixels is refused before decoding', () => {
    // A valid PNG signature and IHDR of 20000×20000 followed by nothing: decoding would fail
    // differently, so the message proves the check came first.
    const head = pngBytes(1, 1, solid(1, 1, RED)).slice(0, 33);
    new DataView(head.buffer).setUint32(16, 20000);
    new DataView(head.buffer).setUint32(20, 20000);
    expect(() => decodeImage(head, 'huge.png', 4096 * 4096)).toThrow(/huge\.png: is 20000×20000 \(400000000 pixels\), more than the 16777216 this reads/);
    expect(() => decodeImage(pngBytes(100, 100, solid(100, 100, RED)), 'big.png', 5000)).toThrow(DataError);
  });
});

describe('ImageFolder', () => {
  let root: string;
  beforeAll(() => {
    root = join(dir, 'train');
    // Created out of order: classes must come back sorted by name.
    put(join(root, 'red', 'a.png'), pngBytes(4, 4, solid(4, 4, RED)));
    put(join(root, 'red', 'nested', 'b.jpg'), jpegBytes(4, 4, solid(4, 4, RED)));
    put(join(root, 'blue', 'c.JPEG'), jpegBytes(4, 4, solid(4, 4, BLUE)));
    put(join(root, 'green', 'd.png'), pngBytes(4, 4, solid(4, 4, GREEN)));
    put(join(root, 'green', 'notes.txt'), 'not an image');
  });

  it('one subfolder per class, classes sorted, files found at any depth, other files skipped', () => {
    const ds = ImageFolder.fromDirectory(root);
    expect(ds.classes).toEqual(['blue', 'green', 'red']);
    expect(ds.length).toBe(4);
    expect(ds.samples.map((s) => [s.path.slice(root.length + 1), s.label])).toEqual([
      ['blue/c.JPEG', 0],
      ['green/d.png', 1],
      ['red/a.png', 2],
      ['red/nested/b.jpg', 2],
    ]);
  });

  it('decodes PNG exactly and JPEG closely to [3, H, W] floats in [0, 1]', () => {
    const ds = ImageFolder.fromDirectory(root);
    const png = ds.get(2).image;
    expect(png.shape).toEqual([3, 4, 4]);
    expect([png.data[0], png.data[16], png.data[32]]).toEqual([1, 0, 0]);
    const jpg = ds.get(0).image; // blue
    expect(jpg.shape).toEqual([3, 4, 4]);
    expect(jpg.data[0]).toBeLessThan(0.05);
    expect(jpg.data[32]).toBeGreaterThan(0.95);
  });

  it('channels: 1 gives BT.601 luminance; size resizes; getBatch builds [B, C, H, W] and int32 labels', () => {
    const grey = ImageFolder.fromDirectory(root, { channels: 1, size: [2, 3] });
    const { x, y } = grey.getBatch([1, 2]);
    expect(x.shape).toEqual([2, 1, 2, 3]);
    expect(x.dtype).toBe('float32');
    const v = x.dataSync();
    expect(v[0]).toBeCloseTo(0.587, 5);
    expect(v[6]).toBeCloseTo(0.299, 5);
    expect(Array.from(y.dataSync())).toEqual([1, 2]);
    x.dispose();
    y.dispose();
  });

  it('images of different sizes need size: the error names both files', () => {
    const mixed = join(dir, 'mixed');
    put(join(mixed, 'a', 'small.png'), pngBytes(2, 2, solid(2, 2, RED)));
    put(join(mixed, 'b', 'wide.png'), pngBytes(6, 2, solid(6, 2, RED)));
    const ds = ImageFolder.fromDirectory(mixed);
    expect(() => ds.getBatch([0, 1])).toThrow(/b\/wide\.png is 6×2 but .*a\/small\.png is 2×2; .*pass size/);
    const fixed = ImageFolder.fromDirectory(mixed, { size: 4 }).getBatch([0, 1]);
    expect(fixed.x.shape).toEqual([2, 3, 4, 4]);
  });

  it('a damaged or truncated file is a DataError naming it', () => {
    const bad = join(dir, 'bad');
    put(join(bad, 'x', 'fake.png'), 'hello, not a png');
    const png = pngBytes(8, 8, solid(8, 8, RED));
    put(join(bad, 'x', 'cut.png'), png.subarray(0, png.length - 20));
    const jpg = jpegBytes(8, 8, solid(8, 8, RED));
    put(join(bad, 'x', 'cut.jpg'), jpg.subarray(0, 200));
    const ds = ImageFolder.fromDirectory(bad);
    const byName = (n: string) => ds.samples.findIndex((s) => s.path.endsWith(n));
    expect(() => ds.get(byName('fake.png'))).toThrow(/fake\.png: is not a PNG or JPEG file/);
    expect(() => ds.get(byName('cut.png'))).toThrow(/cut\.png: is not a readable PNG/);
    expect(() => ds.get(byName('cut.jpg'))).toThrow(/cut\.jpg: is not a readable JPEG/);
    expect(() => ds.get(byName('cut.jpg'))).toThrow(DataError);
  });

  it('cache: true keeps decoded images (the file can go); without it they are decoded again', () => {
    const d = join(dir, 'cached');
    put(join(d, 'a', '1.png'), pngBytes(3, 3, solid(3, 3, GREEN)));
    const cached = ImageFolder.fromDirectory(d, { cache: true });
    const plain = ImageFolder.fromDirectory(d);
    const first = cached.get(0).image;
    plain.get(0);
    unlinkSync(join(d, 'a', '1.png'));
    expect(cached.get(0).image).toBe(first);
    expect(() => plain.get(0)).toThrow(/1\.png: cannot be read/);
  });

  it("resize: 'center-crop' keeps the aspect ratio and cuts the centre; smallest() reads sizes from headers", () => {
    // 8×4 (wide): left half black, middle white, right half black → the centre crop is white.
    const d = join(dir, 'crop');
    const wide = solid(8, 4, [0, 0, 0]);
    for (let y = 0; y < 4; y++) for (let x = 2; x < 6; x++) wide.set([255, 255, 255, 255], 4 * (y * 8 + x));
    put(join(d, 'a', 'wide.png'), pngBytes(8, 4, wide));
    put(join(d, 'b', 'small.jpg'), jpegBytes(5, 6, solid(5, 6, RED)));
    const cropped = ImageFolder.fromDirectory(d, { size: 2, resize: 'center-crop' });
    expect(Array.from(cropped.image(0).data)).toEqual(Array(12).fill(1));
    const stretched = ImageFolder.fromDirectory(d, { size: 2 });
    expect(stretched.image(0).data[0]).toBeCloseTo(0.5, 5); // squeezed: half black, half white
    expect(cropped.smallest()).toEqual({ width: 5, height: 4, path: join(d, 'b', 'small.jpg') });
    expect(() => ImageFolder.fromDirectory(d, { resize: 'fill' as 'stretch' })).toThrow(/resize must be 'stretch' or 'center-crop'/);
  });

  it('toImageDataset decodes every image once into bytes [N, C, H, W] with the labels and classes', () => {
    const ds = ImageFolder.fromDirectory(root, { size: 2 });
    const seen: number[] = [];
    const bytes = ds.toImageDataset((done) => seen.push(done));
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(bytes.shape).toEqual([4, 3, 2, 2]);
    expect(bytes.classes).toEqual(['blue', 'green', 'red']);
    expect(Array.from(bytes.labels)).toEqual([0, 1, 2, 2]);
    expect(Array.from(bytes.get(2).image)).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]); // the red PNG, exact
    expect(() => ImageFolder.fromDirectory(join(dir, 'crop')).toImageDataset()).toThrow(/is 5×6 but .* is 8×4; pass size/);
  });

  it('folder errors: no subfolders, an empty class, a class not in classes', () => {
    put(join(dir, 'flat', 'x.png'), pngBytes(1, 1, solid(1, 1, RED)));
    expect(() => ImageFolder.fromDirectory(join(dir, 'flat'))).toThrow(/flat has no subfolders/);
    put(join(dir, 'empty', 'a', 'x.png'), pngBytes(1, 1, solid(1, 1, RED)));
    put(join(dir, 'empty', 'b', 'readme.txt'), 'no images');
    expect(() => ImageFolder.fromDirectory(join(dir, 'empty'))).toThrow(/empty\/b holds no \.png\/\.jpg\/\.jpeg files/);
    expect(() => ImageFolder.fromDirectory(root, { classes: ['red', 'green'] })).toThrow(/train\/blue is not one of the classes given/);
    expect(() => ImageFolder.fromDirectory(join(dir, 'nowhere'))).toThrow(DataError);
    expect(() => ImageFolder.fromDirectory(root, { channels: 4 as 3 })).toThrow(/channels must be 1 \(grey\) or 3/);
    expect(() => ImageFolder.fromDirectory(root).image(4)).toThrow(/ImageFolder\.image: index 4 is out of range for a dataset of length 4/);
  });

  it('DataLoader over an ImageFolder yields every example once and leaks no tensors', async () => {
    const ds = ImageFolder.fromDirectory(root, { size: 4 });
    const before = memory().numTensors;
    const labels: number[] = [];
    for await (const { x, y } of new DataLoader(ds, { batchSize: 3, shuffle: true })) {
      expect(x.shape.slice(1)).toEqual([3, 4, 4]);
      labels.push(...Array.from(y.dataSync()));
    }
    expect(labels.sort()).toEqual([0, 1, 2, 2]);
    expect(memory().numTensors).toBe(before);
  });
});

describe('ImageFolder.fromManifest', () => {
  it('CSV path,label (header optional, quoted paths, relative to the manifest) and JSON lists give the same dataset', () => {
    const m = join(dir, 'manifest');
    put(join(m, 'img', 'one.png'), pngBytes(2, 2, solid(2, 2, RED)));
    put(join(m, 'img', 'two, three.jpg'), jpegBytes(2, 2, solid(2, 2, BLUE)));
    put(join(m, 'list.csv'), 'path,label\nimg/one.png,stop\n"img/two, three.jpg",go\n\n');
    put(join(m, 'list.json'), JSON.stringify([{ path: 'img/one.png', label: 'stop' }, { path: 'img/two, three.jpg', label: 'go' }]));
    const csv = ImageFolder.fromManifest(join(m, 'list.csv'));
    const json = ImageFolder.fromManifest(join(m, 'list.json'));
    expect(csv.classes).toEqual(['go', 'stop']);
    expect(csv.samples).toEqual(json.samples);
    expect(csv.samples.map((s) => s.label)).toEqual([1, 0]);
    expect(csv.get(1).image.shape).toEqual([3, 2, 2]);
    expect(ImageFolder.fromManifest(join(m, 'list.csv'), { classes: ['stop', 'go', 'wait'] }).samples.map((s) => s.label)).toEqual([0, 1]);
  });

  it('bad manifests name the file and the line', () => {
    const m = join(dir, 'manifest-bad');
    put(join(m, 'nolabel.csv'), 'a.png,x\nb.png\n');
    put(join(m, 'notlist.json'), '{"path":"a.png"}');
    put(join(m, 'entry.json'), '[{"path":"a.png","label":3}]');
    put(join(m, 'empty.csv'), 'path,label\n');
    put(join(m, 'good.csv'), 'a.png,x\n');
    expect(() => ImageFolder.fromManifest(join(m, 'nolabel.csv'))).toThrow(/nolabel\.csv: line 2 \('b\.png'\) is not 'path,label'/);
    expect(() => ImageFolder.fromManifest(join(m, 'notlist.json'))).toThrow(/notlist\.json: must be a JSON list/);
    expect(() => ImageFolder.fromManifest(join(m, 'entry.json'))).toThrow(/entry\.json: entry 1 is not/);
    expect(() => ImageFolder.fromManifest(join(m, 'empty.csv'))).toThrow(/empty\.csv: lists no images/);
    expect(() => ImageFolder.fromManifest(join(m, 'good.csv'), { classes: ['y'] })).toThrow(/line 1 has label 'x', not one of the classes/);
  });
});
