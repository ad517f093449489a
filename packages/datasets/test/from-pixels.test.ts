import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataError, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { fromPixels, type PixelData } from '../src/index.js';

beforeAll(async () => {
  use(cpu());
  await init();
});
afterEach(() => vi.unstubAllGlobals());

/** A 2×1 ImageData-shaped object: a red pixel then a half-grey one, with alpha that must be ignored. */
function imageData(): PixelData {
  return { width: 2, height: 1, data: Uint8ClampedArray.of(255, 0, 0, 10, 128, 128, 128, 255) };
}

describe('fromPixels', () => {
  it('ImageData-shaped input becomes [3, H, W] float32 in [0, 1], alpha dropped', () => {
    const x = fromPixels(imageData());
    expect(x.shape).toEqual([3, 1, 2]);
    expect(x.dtype).toBe('float32');
    const v = Array.from(x.dataSync());
    expect(v.map((a) => Math.round(a * 255))).toEqual([255, 128, 0, 128, 0, 128]);
    x.dispose();
  });

  it('channels: 1 is BT.601 luminance; normalize: false keeps 0..255; int32 gives the bytes', () => {
    const grey = fromPixels(imageData(), { channels: 1, normalize: false });
    expect(grey.shape).toEqual([1, 1, 2]);
    const g = grey.dataSync();
    expect(g[0]).toBeCloseTo(0.299 * 255, 4);
    expect(g[1]).toBeCloseTo(128, 4);
    const ints = fromPixels(imageData(), { dtype: 'int32' });
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([255, 128, 0, 128, 0, 128]);
    const greyInts = fromPixels(imageData(), { dtype: 'int32', channels: 1 });
    expect(Array.from(greyInts.dataSync())).toEqual([76, 128]);
    for (const t of [grey, ints, greyInts]) t.dispose();
  });

  it('rejects bad options and data that does not fit its size', () => {
    expect(() => fromPixels(imageData(), { dtype: 'int32', normalize: true })).toThrow(/int32 cannot hold/);
    expect(() => fromPixels(imageData(), { channels: 2 as 3 })).toThrow(DataError);
    expect(() => fromPixels({ width: 2, height: 2, data: new Uint8Array(8) })).toThrow(/data has 8 values, 2×2 RGBA pixels need 16/);
  });

  it('draws other sources (video at its natural size) on an OffscreenCanvas and reads them back', () => {
    const drawn: unknown[][] = [];
    class FakeCanvas {
      constructor(
        readonly width: number,
        readonly height: number,
      ) {}
      getContext() {
        return {
          drawImage: (...args: unknown[]) => drawn.push(args),
          getImageData: (_x: number, _y: number, w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4).fill(255) }),
        };
      }
    }
    vi.stubGlobal('OffscreenCanvas', FakeCanvas);
    const video = { videoWidth: 3, videoHeight: 2, width: 300, height: 200 } as unknown as HTMLVideoElement;
    const x = fromPixels(video, { channels: 1 });
    expect(x.shape).toEqual([1, 2, 3]);
    expect(Array.from(x.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(drawn).toEqual([[video, 0, 0, 3, 2]]);
    x.dispose();
    const notLoaded = { naturalWidth: 0, naturalHeight: 0, width: 0, height: 0 } as unknown as HTMLImageElement;
    expect(() => fromPixels(notLoaded)).toThrow(/the source is 0×0; wait until it has pixels/);
  });

  it('without OffscreenCanvas or a document, a drawable source says to pass ImageData-shaped pixels', () => {
    vi.stubGlobal('OffscreenCanvas', undefined);
    const bitmap = { width: 4, height: 4, close() {} } as unknown as ImageBitmap;
    expect(() => fromPixels(bitmap)).toThrow(/needs OffscreenCanvas or a document; here pass ImageData-shaped pixels/);
  });
});
