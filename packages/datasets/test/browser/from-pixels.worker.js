// A module worker: no document, only OffscreenCanvas; the pixels arrive as a PNG Blob.
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { fromPixels } from '@tessera/datasets';

const ready = (async () => {
  use(cpu());
  await init();
})();

self.onmessage = async (e) => {
  try {
    await ready;
    const bitmap = await createImageBitmap(e.data.blob);
    const t = fromPixels(bitmap, e.data.options);
    const out = { shape: t.shape, dtype: t.dtype, values: Array.from(await t.data()), inWorker: typeof document === 'undefined' && typeof WorkerGlobalScope === 'function' };
    t.dispose();
    bitmap.close();
    self.postMessage(out);
  } catch (err) {
    self.postMessage({ error: `${err.name}: ${err.message}` });
  }
};
