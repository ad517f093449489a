/**
 * The training worker's entry: starts a backend (WebGPU when available, else the CPU, or
 * the one the page forces), loads the sample, and runs the page's commands in order.
 */
import { getBackend, init, use } from '@tessera/core';
import { cpu, setThreads } from '@tessera/backend-cpu';
import { warmup, webgpu } from '@tessera/backend-webgpu';
import type { BackendChoice, FromWorker, ToWorker } from '../protocol.js';
import { VALIDATION_SIZE, firstExamples, firstImages, loadSample } from './data.js';
import { Trainer, type Post } from './trainer.js';

const post: Post = (msg: FromWorker, transfer: Transferable[] = []) => self.postMessage(msg, { transfer });

let trainer: Trainer | null = null;
/** Commands that change the model run one after another, in the order sent. */
let queue: Promise<void> = Promise.resolve();

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** What the page shows as the device: the adapter, or the CPU kernels in use. */
function deviceName(backend: string, fallback: string[]): string {
  const info = getBackend(backend).info?.() ?? {};
  if (backend === 'webgpu') {
    const parts = [info.description, info.vendor, info.architecture].filter((p) => typeof p === 'string' && p !== '');
    return parts.join(' · ') || 'WebGPU adapter';
  }
  const wasm = info.wasm === 'off' || info.wasm === undefined ? 'TypeScript kernels' : `WebAssembly ${String(info.wasm).toUpperCase()}`;
  const why = fallback.length > 0 ? ` (WebGPU unavailable: ${fallback.join('; ')})` : '';
  return `${wasm}, ${String(info.threads ?? 1)} thread${info.threads === 1 ? '' : 's'}${why}`;
}

const ORDER: Record<BackendChoice, string[]> = { auto: ['webgpu', 'cpu'], webgpu: ['webgpu'], cpu: ['cpu'] };

async function start(msg: Extract<ToWorker, { type: 'init' }>): Promise<void> {
  if (msg.threads !== null) setThreads(msg.threads); // ?threads=N
  use(webgpu());
  use(cpu());
  const fallback: string[] = [];
  const backend = await init({ backends: ORDER[msg.backend], onFallback: (note) => fallback.push(note) });
  if (backend === 'webgpu') await warmup();
  const data = await loadSample(msg.sample);
  const grid = firstImages(data.test, msg.gridSize);
  post(
    {
      type: 'ready', backend, device: deviceName(backend, fallback), isolated: self.crossOriginIsolated === true,
      threads: backend === 'cpu' ? Number(getBackend(backend).info?.().threads ?? 1) : 0,
      trainSize: data.train.length, testSize: data.test.length, gridImages: grid.images, gridLabels: grid.labels,
    },
    [grid.images.buffer, grid.labels.buffer],
  );
  trainer = new Trainer(data, firstExamples(data.test, VALIDATION_SIZE), firstExamples(data.test, msg.gridSize).x, msg.settings, post);
  await trainer.announce();
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'init') return start(msg);
  if (!trainer) throw new Error(`playground worker: '${msg.type}' arrived before the worker was ready.`);
  switch (msg.type) {
    case 'start': return trainer.start(msg.settings);
    case 'pause': return trainer.pause();
    case 'setLr': return trainer.setLr(msg.lr);
    case 'predict': return trainer.predict(msg.id, msg.pixels);
    case 'reset': return trainer.reset(msg.settings);
    case 'save': return trainer.save();
    case 'load': return trainer.load(msg.name, msg.bytes);
  }
}

/** Messages that must act at once (pause, live lr, drawing); the rest wait their turn. */
const IMMEDIATE = new Set<ToWorker['type']>(['pause', 'setLr', 'predict']);

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  const run = (): Promise<void> => handle(msg).catch((err: unknown) => post({ type: 'error', message: describeError(err) }));
  if (IMMEDIATE.has(msg.type) && trainer) void run();
  else queue = queue.then(run);
};
