/**
 * The training worker: installs the WebGPU and CPU backends and serves `tessera/worker`'s
 * training jobs (the page picks the backend order per job). Before the first job the page
 * may send `{ threads: N }` (`?threads=N`): the CPU backend's thread count.
 */
import 'tessera/register';
import { setThreads, warmup } from 'tessera';
import { serveTraining } from 'tessera/worker';

self.addEventListener('message', (e: MessageEvent<unknown>) => {
  const threads = (e.data as { threads?: unknown } | null)?.threads;
  if (typeof threads === 'number') setThreads(threads);
});

// WebGPU compiles its common pipelines before the first step, so the first batches do not stall.
serveTraining({ onBackend: (backend) => (backend === 'webgpu' ? warmup() : undefined) });
