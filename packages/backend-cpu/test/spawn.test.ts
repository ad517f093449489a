import { describe, expect, it } from 'vitest';
import { spawner, threadSupport, type ThreadGlobals } from '../src/wasm/spawn.js';

// The threading decision, on stand-ins for the globals of each environment.
class FakeWorker {}
class FakeWorkerGlobalScope {}
const shared = { SharedArrayBuffer, Atomics };
/** A cross-origin isolated dedicated worker in a browser: the one browser context that may block. */
const isolatedWorker: ThreadGlobals = { ...shared, Worker: FakeWorker, crossOriginIsolated: true, WorkerGlobalScope: FakeWorkerGlobalScope };

describe('threadSupport', () => {
  it('uses worker_threads in Node (this process)', () => {
    const s = threadSupport();
    expect(s.kind).toBe('node');
    expect(typeof spawner(s)).toBe('function');
  });

  it('uses module Web Workers in a cross-origin isolated browser worker', () => {
    const s = threadSupport(isolatedWorker);
    expect(s).toEqual({ kind: 'browser' });
    expect(typeof spawner(s)).toBe('function');
  });

  it.each<[string, ThreadGlobals, RegExp]>([
    ['without SharedArrayBuffer', { ...isolatedWorker, SharedArrayBuffer: undefined }, /SharedArrayBuffer/],
    ['without Atomics', { ...isolatedWorker, Atomics: undefined }, /SharedArrayBuffer/],
    ['when not cross-origin isolated', { ...isolatedWorker, crossOriginIsolated: false }, /cross-origin isolated/],
    ['without a Worker constructor', { ...isolatedWorker, Worker: undefined }, /no Worker/],
    ["on the page's main thread", { ...shared, Worker: FakeWorker, crossOriginIsolated: true, window: {} }, /main thread may not block/],
    ['in a worker-like scope that has a window', { ...isolatedWorker, window: {} }, /main thread may not block/],
  ])('stays on one thread %s, saying why', (_, g, why) => {
    const s = threadSupport(g);
    expect(s.kind).toBe('none');
    expect(s.kind === 'none' && s.reason).toMatch(why);
    expect(spawner(s)).toBeNull();
  });

  it('prefers worker_threads where a Node process is present', () => {
    const process = { getBuiltinModule: (id: string) => (id === 'node:worker_threads' ? { Worker: FakeWorker } : undefined) };
    expect(threadSupport({ ...isolatedWorker, process }).kind).toBe('node');
    expect(threadSupport({ ...isolatedWorker, process: { getBuiltinModule: () => undefined } }).kind).toBe('browser');
  });
});
