import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { type BlobDecoder, type FolderFile, imageFolderFromFiles, pixelsToBytes } from '../src/index.js';
import { decodeImage } from '../src/node.js';
import { jpegBytes, pngBytes, solid } from './helpers/images.js';

// In a browser the default decoder is createImageBitmap (not in Node); here the same real
// PNG/JPEG files go through the Node decoder, which the rest of the function cannot tell apart.
const nodeDecode: BlobDecoder = async (blob, path) => {
  const { rgba, width, height } = decodeImage(new Uint8Array(await blob.arrayBuffer()), path, 1 << 20);
  return { data: rgba, width, height };
};

beforeAll(() => use(cpu()));

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];
/** Bytes as a Blob part (the encoders' arrays are typed over ArrayBufferLike). */
const part = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const png = (w: number, h: number, c: readonly number[]): Blob => new Blob([part(pngBytes(w, h, solid(w, h, c)))], { type: 'image/png' });

/** A File as a folder drop gives it: its webkitRelativePath starts with the dropped folder. */
function dropped(relative: string, blob: Blob): File {
  const file = new File([blob], relative.split('/').at(-1)!);
  Object.defineProperty(file, 'webkitRelativePath', { value: relative });
  return file;
}

describe('imageFolderFromFiles (a dropped folder in the browser)', () => {
  it('labels by class folder (sorted), skips other files, resizes by area averaging and keeps bytes', async () => {
    const files: FolderFile[] = [
      dropped('pets/dog/b.png', png(8, 8, BLUE)),
      dropped('pets/cat/a.png', png(4, 4, RED)),
      dropped('pets/cat/deeper/c.jpg', new Blob([part(jpegBytes(6, 6, solid(6, 6, RED)))])),
      dropped('pets/notes.txt', new Blob(['hello'])),
      dropped('pets/dog/.DS_Store', new Blob(['x'])),
    ];
    const progress: number[] = [];
    const ds = await imageFolderFromFiles(files, { size: 2, decode: nodeDecode, onProgress: (d) => progress.push(d) });
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.shape).toEqual([3, 3, 2, 2]);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1]); // cat/a.png, cat/deeper/c.jpg, dog/b.png
    expect(progress).toEqual([1, 2, 3]);
    expect(Array.from(ds.get(0).image)).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(ds.get(2).image)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    const jpegRed = Array.from(ds.get(1).image);
    jpegRed.slice(0, 4).forEach((v) => expect(v).toBeGreaterThan(240)); // lossy, but red
    jpegRed.slice(4).forEach((v) => expect(v).toBeLessThan(15));
  });

  it('reads { path, blob } entries, grey, rectangular sizes, and keeps given classes', async () => {
    // A 4×2 image: left half white, right half black.
    const rgba = new Uint8Array(4 * 2 * 4);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) rgba.set(x < 2 ? [255, 255, 255, 255] : [0, 0, 0, 255], 4 * (y * 4 + x));
    const ds = await imageFolderFromFiles([{ path: 'b/1.png', blob: new Blob([part(pngBytes(4, 2, rgba))]) }], { size: [1, 2], channels: 1, classes: ['a', 'b'], decode: nodeDecode });
    expect(ds.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(ds.images)).toEqual([255, 0]);
    expect(Array.from(ds.labels)).toEqual([1]);
    const batch = ds.getBatch([0]);
    expect(batch.x.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(await batch.x.data())).toEqual([1, 0]);
  });

  it('pixelsToBytes: one image as the dataset keeps it (grey, area-averaged), for frames to classify', () => {
    // 4×2 RGBA: left half white, right half (0, 0, 255) blue.
    const data = new Uint8ClampedArray(4 * 2 * 4);
    for (let p = 0; p < 8; p++) data.set(p % 4 < 2 ? [255, 255, 255, 255] : [0, 0, 255, 255], 4 * p);
    expect(Array.from(pixelsToBytes({ data, width: 4, height: 2 }, [1, 2], 1))).toEqual([255, Math.round(0.114 * 255)]);
    expect(Array.from(pixelsToBytes({ data, width: 4, height: 2 }, 1))).toEqual([128, 128, 255]);
    expect(() => pixelsToBytes({ data, width: 4, height: 2 }, 0)).toThrow(DataError);
  });

  it('says what is wrong with the files, naming them', async () => {
    const o = { size: 4, decode: nodeDecode };
    await expect(imageFolderFromFiles([new File([png(2, 2, RED)], 'loose.png')], o)).rejects.toThrow(/loose\.png has no folder \(webkitRelativePath is empty\)/);
    await expect(imageFolderFromFiles([dropped('pets/a.png', png(2, 2, RED))], o)).rejects.toThrow(/a\.png is not in a class folder/);
    await expect(imageFolderFromFiles([dropped('pets/x/readme.md', new Blob(['#']))], o)).rejects.toThrow(DataError);
    await expect(imageFolderFromFiles([dropped('pets/cow/a.png', png(2, 2, RED))], { ...o, classes: ['cat'] })).rejects.toThrow(/cow are not among the classes given \(cat\)/);
    await expect(imageFolderFromFiles([dropped('pets/cat/a.png', new Blob(['not an image']))], o)).rejects.toThrow(/a\.png/);
    await expect(imageFolderFromFiles([dropped('pets/cat/a.png', png(2, 2, RED))], { size: 0, decode: nodeDecode })).rejects.toThrow(/size must be a positive integer/);
    await expect(imageFolderFromFiles([dropped('pets/cat/a.png', png(2, 2, RED))], { size: 2 })).rejects.toThrow(/no createImageBitmap; pass a decode function/);
  });
});
