import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistSample } from './build/mnist-sample.js';
import { textCorpora } from './build/text-corpora.js';

/**
 * Cross-origin isolation (COOP + COEP) for `vite dev` and `vite preview`: it gives the page
 * SharedArrayBuffer and `crossOriginIsolated`, which threaded CPU kernels need.
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  plugins: [mnistSample(), textCorpora()],
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    // Two pages: the digits playground and the transfer-learning page.
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('./index.html', import.meta.url)),
        transfer: fileURLToPath(new URL('./transfer.html', import.meta.url)),
      },
    },
  },
});
