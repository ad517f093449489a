import { describe, expect, it } from 'vitest';
import { accuracy, argmaxRows, softmax } from '../src/predictions.js';
import { type DropEntry, filesOfDrop } from '../src/transfer/drop.js';
import type { FolderImages } from '../src/transfer/images.js';
import { type Backbone, describeBackbone, fineTuneSpec } from '../src/transfer/session.js';

const images: FolderImages = {
  classes: ['cat', 'dog', 'owl'],
  labels: Int32Array.of(0, 1, 2, 0),
  images: new Uint8Array(4 * 784),
  data: { x: { data: new Uint8Array(4 * 784), shape: [4, 1, 28, 28] }, y: { data: Int32Array.of(0, 1, 2, 0), shape: [4] } },
};
const settings = { model: 'lenet5', train: 'all', lr: 0.003, epochs: 5, batchSize: 8 } as const;
const weights = Uint8Array.of(1, 2, 3);

describe('the transfer page’s job specs', () => {
  it('a backbone: a transfer model for the folder’s classes, fine-tuning all at lr / 10 for the backbone, or the head alone', () => {
    const b: Backbone = { kind: 'pretrained', weights, examples: 8000, accuracy: 0.9 };
    const all = fineTuneSpec(images, b, settings, ['cpu']);
    expect(all.model).toEqual({ transfer: { name: 'lenet5', inputShape: [1, 28, 28], numClasses: 3, backbone: weights, backboneLr: expect.closeTo(0.0003, 12) } });
    expect(all).toMatchObject({ data: images.data, optimizer: { name: 'adam', options: { lr: 0.003 } }, epochs: 5, batchSize: 8, backends: ['cpu'] });
    const head = fineTuneSpec(images, { kind: 'file', weights, name: 'w.safetensors' }, { ...settings, train: 'head' }, ['cpu']);
    expect(head.model).toEqual({ transfer: { name: 'lenet5', inputShape: [1, 28, 28], numClasses: 3, backbone: weights, freezeBackbone: true } });
  });

  it('no backbone: the zoo model from scratch for the folder’s classes', () => {
    expect(fineTuneSpec(images, { kind: 'none' }, settings, ['webgpu', 'cpu']).model).toEqual({ name: 'lenet5', numClasses: 3, inputShape: [1, 28, 28] });
  });

  it('says where the backbone comes from', () => {
    expect(describeBackbone({ kind: 'pretrained', weights, examples: 8000, accuracy: 0.934 }, 'lenet5')).toBe(
      'LeNet-5 pretrained in this page on 8,000 MNIST digits (93.4 % on held-out digits); its head is replaced for your classes',
    );
    expect(describeBackbone({ kind: 'file', weights, name: 'cnn.safetensors' }, 'mnist-cnn')).toMatch(/^the MNIST CNN with the weights of cnn\.safetensors/);
    expect(describeBackbone({ kind: 'none' }, 'lenet5')).toBe('LeNet-5 trained from scratch (no pretrained weights)');
  });
});

/** A fake File and Directory Entries tree; directories give their children in chunks of two, as readEntries may. */
function entry(name: string, children?: DropEntry[]): DropEntry {
  if (!children) return { name, isFile: true, isDirectory: false, file: (ok) => ok(new File([name], name)) };
  return {
    name, isFile: false, isDirectory: true,
    createReader: () => {
      let at = 0;
      return { readEntries: (ok) => ok(children.slice(at, (at += 2))) };
    },
  };
}

describe('filesOfDrop', () => {
  it('one dropped folder: its subfolders are the classes', async () => {
    const files = await filesOfDrop([entry('pets', [entry('cat', [entry('1.png'), entry('2.png'), entry('3.jpg')]), entry('dog', [entry('a', [entry('4.png')])])])]);
    expect(files.map((f) => ('path' in f ? f.path : ''))).toEqual(['cat/1.png', 'cat/2.png', 'cat/3.jpg', 'dog/a/4.png']);
    expect(await ('blob' in files[3] ? files[3].blob.text() : '')).toBe('4.png');
  });

  it('several dropped folders are the classes themselves', async () => {
    const files = await filesOfDrop([entry('cat', [entry('1.png')]), entry('dog', [entry('2.png')]), entry('readme.txt')]);
    expect(files.map((f) => ('path' in f ? f.path : ''))).toEqual(['cat/1.png', 'dog/2.png', 'readme.txt']);
  });
});

describe('predictions', () => {
  it('argmax per row, accuracy against labels, softmax', () => {
    const out = { data: Float32Array.of(0.1, 2, -1, 3, 0, 0, -1, -2, 5), shape: [3, 3] };
    expect(Array.from(argmaxRows(out))).toEqual([1, 0, 2]);
    expect(accuracy(argmaxRows(out), [1, 1, 2])).toBeCloseTo(2 / 3, 10);
    expect(accuracy([], [])).toBe(0);
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
  });
});
