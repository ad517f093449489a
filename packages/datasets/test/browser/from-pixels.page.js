// The page side of test/from-pixels.browser.test.ts: builds every kind of pixel source from
// the same known 3×2 RGBA pixels and returns what fromPixels makes of it.
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { fromPixels } from '@tessera/datasets';

const W = 3;
const H = 2;
/** Opaque pixels (alpha 255: no premultiplication on the way through a canvas). */
const PIXELS = [
  [255, 0, 0], [0, 255, 0], [0, 0, 255],
  [255, 255, 255], [0, 0, 0], [200, 100, 50],
];
const rgba = () => Uint8ClampedArray.from(PIXELS.flatMap((p) => [...p, 255]));
const imageData = () => new ImageData(rgba(), W, H);

function canvas() {
  const c = document.createElement('canvas');
  c.width = W;
  c.height = H;
  c.getContext('2d').putImageData(imageData(), 0, 0);
  return c;
}

function offscreen() {
  const c = new OffscreenCanvas(W, H);
  c.getContext('2d').putImageData(imageData(), 0, 0);
  return c;
}

/** The pixels as a PNG file (a Blob), as a user's File would be. */
const pngBlob = () => offscreen().convertToBlob({ type: 'image/png' });

async function image() {
  const img = new Image();
  img.src = URL.createObjectURL(await pngBlob());
  await img.decode();
  return img;
}

const SOURCES = {
  imageData: async () => imageData(),
  plainObject: async () => ({ width: W, height: H, data: Array.from(rgba()) }),
  canvas: async () => canvas(),
  offscreenCanvas: async () => offscreen(),
  imageBitmapOfBlob: async () => createImageBitmap(await pngBlob()),
  imageBitmapOfImageData: async () => createImageBitmap(imageData()),
  image: image,
  videoFrame: async () => new VideoFrame(offscreen(), { timestamp: 0 }),
};

/** fromPixels of one source: shape, dtype and values. */
async function convert(source, options) {
  const s = await SOURCES[source]();
  const t = fromPixels(s, options);
  const out = { shape: t.shape, dtype: t.dtype, values: Array.from(await t.data()) };
  t.dispose();
  if (typeof s.close === 'function') s.close();
  return out;
}

/** The same in a module Web Worker: a Blob (PNG) goes in, createImageBitmap runs there. */
async function inWorker(options) {
  const worker = new Worker('/from-pixels.worker.js', { type: 'module' });
  const reply = new Promise((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
  });
  worker.postMessage({ blob: await pngBlob(), options });
  const r = await reply;
  worker.terminate();
  if (r.error) throw new Error(r.error);
  return r;
}

/** The error fromPixels gives for an <img> that has not loaded. */
function unloadedImage() {
  try {
    fromPixels(new Image());
    return null;
  } catch (e) {
    return { name: e.name, message: e.message };
  }
}

use(cpu());
await init();
window.fromPixelsTest = { convert, inWorker, unloadedImage, sources: Object.keys(SOURCES), hasOffscreenCanvas: typeof OffscreenCanvas === 'function' };
document.title = 'ready';
