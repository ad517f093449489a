/**
 * @packageDocumentation
 * `tessera/worker`: `fit` in a Web Worker or a Node `worker_threads` Worker (all of
 * `@tessera/train/worker`). On the page: `startTraining(worker, spec)` → a handle with
 * `events`, `pause()`, `resume()`, `stop()`, `predict()`, `snapshot()` and `result`; in the
 * worker script: `import 'tessera/register'; serveTraining();`. The host half loads no
 * Tessera code at run time, so a page that imports only it stays small.
 */
export * from '@tessera/train/worker';
