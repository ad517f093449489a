/**
 * The browser's GEMM worker (a module Web Worker started by `browserSpawner`): it gets
 * the shared module, memory and control array in its first message, then runs the same
 * `workerLoop` as Node's worker threads until the pool stops it.
 */
import { CALLABLE, driveConv, runPart } from './conv-driver.js';
import { driveGemm } from './gemm-driver.js';
import type { WasmExports } from './module.js';
import { claimParts, workerLoop, type WorkerInit } from './worker-loop.js';

globalThis.addEventListener(
  'message',
  (e: MessageEvent<WorkerInit>) => {
    const { module, memory, control, index, scratch } = e.data;
    const fns = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports;
    workerLoop(new Int32Array(control), fns, scratch, index, claimParts, (f, s, a, o) => runPart(f, s, a, o, driveGemm, driveConv, CALLABLE));
    globalThis.close();
  },
  { once: true },
);
