// The page side of test/image-folder-files.browser.test.ts: PNG and JPEG files made in Node
// arrive as bytes; the default decoder (createImageBitmap) and imageFolderFromFiles read them.
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { decodeWithImageBitmap, imageFolderFromFiles } from '@tessera/datasets';

const blobOf = (bytes, type) => new Blob([Uint8Array.from(bytes)], { type });

/** decodeWithImageBitmap of one file: its size and RGBA bytes. */
async function decode(bytes, type) {
  const px = await decodeWithImageBitmap(blobOf(bytes, type), `test.${type.split('/')[1]}`);
  return { width: px.width, height: px.height, data: Array.from(px.data) };
}

/** imageFolderFromFiles with its default decoder over { path, bytes, type } files. */
async function folder(files, options) {
  const ds = await imageFolderFromFiles(files.map((f) => ({ path: f.path, blob: blobOf(f.bytes, f.type) })), options);
  return { classes: [...ds.classes], labels: Array.from(ds.labels), shape: [...ds.shape], images: Array.from(ds.images) };
}

/** The decoder's error for bytes that are no image. */
async function notAnImage() {
  try {
    await decodeWithImageBitmap(blobOf([1, 2, 3, 4], 'image/png'), 'cats/broken.png');
    return null;
  } catch (e) {
    return { name: e.name, message: e.message };
  }
}

use(cpu());
await init();
window.imageFolderTest = { decode, folder, notAnImage };
document.title = 'ready';
