import { driveConv } from './conv-driver.js';
import { CALLABLE, PART_OFFSETS, runPart } from './parts.js';
import { driveGemm } from './gemm-driver.js';
import { driveWinograd } from './winograd-driver.js';
import { claimParts, workerLoop, type WorkerInit } from './worker-loop.js';

/** A started worker thread. */
export interface ThreadWorker {
  terminate(): void;
}

/** Starts one worker that runs `workerLoop` on the shared memory described by `init`. */
export type Spawn = (init: WorkerInit) => ThreadWorker;

/** The globals the threading decision looks at (`globalThis`, or a stand-in in tests). */
export interface ThreadGlobals {
  readonly SharedArrayBuffer?: unknown;
  readonly Atomics?: unknown;
  readonly Worker?: unknown;
  readonly crossOriginIsolated?: unknown;
  readonly window?: unknown;
  readonly WorkerGlobalScope?: unknown;
  readonly process?: { readonly getBuiltinModule?: (id: string) => unknown };
}

/** Where worker threads can run: Node's worker_threads, browser Web Workers, or nowhere (with the reason). */
export type ThreadSupport =
  | { readonly kind: 'node'; readonly Worker: NodeWorkerCtor }
  | { readonly kind: 'browser' }
  | { readonly kind: 'none'; readonly reason: string };

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (source: string, options: { eval: true; workerData: WorkerInit }) => NodeWorker;

/**
 * Decides where worker threads can run. Node: `worker_threads`. Browsers: module Web
 * Workers, only when the context is cross-origin isolated (shared memory), has `Worker`,
 * and may block in `Atomics.wait` (a worker, not the page's main thread).
 */
export function threadSupport(g: ThreadGlobals = globalThis as ThreadGlobals): ThreadSupport {
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.Atomics !== 'object') {
    return { kind: 'none', reason: 'no SharedArrayBuffer (browsers need cross-origin isolation: COOP/COEP headers)' };
  }
  const mod = g.process?.getBuiltinModule?.('node:worker_threads') as { Worker?: NodeWorkerCtor } | undefined;
  if (mod?.Worker) return { kind: 'node', Worker: mod.Worker };
  if (g.crossOriginIsolated !== true)
    return { kind: 'none', reason: 'the page is not cross-origin isolated (serve it with COOP/COEP headers)' };
  if (typeof g.Worker !== 'function') return { kind: 'none', reason: 'no Worker constructor here' };
  if (g.window !== undefined || typeof g.WorkerGlobalScope !== 'function') {
    return { kind: 'none', reason: "the page's main thread may not block in Atomics.wait (run the model in a Web Worker)" };
  }
  return { kind: 'browser' };
}

/** The functions a worker runs, as source text: the very functions the caller runs. */
function sharedSource(): string {
  return `const driveGemm = ${driveGemm.toString()};
const driveConv = ${driveConv.toString()};
const driveWinograd = ${driveWinograd.toString()};
const runPart = ${runPart.toString()};
const claimParts = ${claimParts.toString()};
const workerLoop = ${workerLoop.toString()};
const run = ({ module, memory, control, index, scratch }) => {
  const fns = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const runners = { gemm: driveGemm, conv: driveConv, wino: driveWinograd,
    calls: ${JSON.stringify(CALLABLE)}, at: ${JSON.stringify(PART_OFFSETS)} };
  const drive = (f, s, a, o) => runPart(f, s, a, o, runners);
  workerLoop(new Int32Array(control), fns, scratch, index, claimParts, drive);
};`;
}

/** The program of a Node worker thread. */
function nodeWorkerSource(): string {
  return `'use strict';
${sharedSource()}
run(require('node:worker_threads').workerData);`;
}

/**
 * The program of a browser worker: the same source, started from a Blob URL, so no
 * separate worker file has to be emitted by the user's bundler (esbuild and Rollup do
 * not emit `new URL('./file.js', import.meta.url)` workers).
 */
let blobUrl: string | null = null;
function browserWorkerUrl(): string {
  blobUrl ??= URL.createObjectURL(
    new Blob(
      [`'use strict';\n${sharedSource()}\nself.addEventListener('message', (e) => { run(e.data); self.close(); }, { once: true });`],
      { type: 'text/javascript' },
    ),
  );
  return blobUrl;
}

let workerErrorNoticed = false;

/** Says once that browser workers failed to start (the calling thread then runs every part). */
function workerErrorNotice(message: string): void {
  if (workerErrorNoticed) return;
  workerErrorNoticed = true;
  console.warn(
    `@tessera/backend-cpu: a wasm worker thread failed to start (${message || 'no details'}); WebAssembly kernels run on the calling ` +
      `thread. ` +
      "If the page has a Content-Security-Policy, allow blob: workers (worker-src 'self' blob:), or call setThreads(1) to silence this.",
  );
}

/** Starts Web Workers from the Blob URL of the shared worker source. */
function browserSpawn(init: WorkerInit): ThreadWorker {
  let w: Worker;
  try {
    w = new Worker(browserWorkerUrl(), { name: `tessera-wasm-${init.index}` });
  } catch (e) {
    workerErrorNotice((e as Error).message);
    return { terminate: () => {} };
  }
  w.addEventListener('error', (e) => workerErrorNotice(e.message));
  w.postMessage(init);
  return { terminate: () => w.terminate() };
}

/** The way to start workers for a supported environment (null for 'none'). */
export function spawner(support: ThreadSupport): Spawn | null {
  if (support.kind === 'node') {
    const Ctor = support.Worker;
    return (init) => {
      const w = new Ctor(nodeWorkerSource(), { eval: true, workerData: init });
      w.unref(); // never keeps a process alive
      return { terminate: () => void w.terminate() };
    };
  }
  return support.kind === 'browser' ? browserSpawn : null;
}
