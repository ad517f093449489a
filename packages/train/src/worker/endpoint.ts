/**
 * The two kinds of message endpoint a training job talks through, behind one interface:
 * a Web Worker (and, inside it, its global scope), and Node's `worker_threads` `Worker`
 * (and, inside it, `parentPort`). They differ in how a listener is added (`addEventListener`
 * with a `MessageEvent` against `on` with the data) and in the second argument of
 * `postMessage` (both accept a transfer list).
 */
import { errorPayload } from './errors.js';
import type { ErrorPayload } from './protocol.js';

/** A Web Worker, a worker's global scope (`self`), or a `MessagePort`. */
export interface WebEndpoint {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
}

/** Node's `Worker` or `parentPort` (an EventEmitter). */
export interface NodeEndpoint {
  // Node types its transfer list with its own TransferListItem; we only transfer ArrayBuffers
  // (no DOM type in the .d.ts, so Node-only tsconfigs compile it).
  postMessage(message: unknown, transferList?: readonly never[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
}

/** Anything `startTraining` and `serveTraining` can talk through. */
export type Endpoint = WebEndpoint | NodeEndpoint;

/** @internal The operations both sides need. */
export interface Channel {
  post(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  /** Adds a listener for message data; returns its removal. */
  listen(fn: (data: unknown) => void): () => void;
  /**
   * Calls `fn` when the worker as a whole fails (an uncaught error, or a Node worker that
   * exits); endpoints without such events never call it.
   */
  onFailure(fn: (why: ErrorPayload) => void): void;
}

type Listener = (arg: unknown) => void;
type Listenable = { addEventListener?: (type: string, l: Listener) => void; on?: (event: string, l: Listener) => void };

function failureHooks(e: Endpoint, fn: (why: ErrorPayload) => void): void {
  const l = e as Listenable;
  if (typeof l.on === 'function') {
    l.on('error', (err) => fn(errorPayload(err)));
    l.on('exit', (code) => fn({ name: 'WorkerExit', message: `the worker exited (code ${String(code)}) while a job was running` }));
  } else if (typeof l.addEventListener === 'function') {
    l.addEventListener('error', (ev) => {
      const msg = (ev as { message?: unknown }).message;
      fn({
        name: 'WorkerError',
        message: typeof msg === 'string' && msg !== '' ? msg : 'the worker failed (an uncaught error; see the console)',
      });
    });
  }
}

function isNode(e: Endpoint): e is NodeEndpoint {
  return typeof (e as NodeEndpoint).on === 'function' && typeof (e as NodeEndpoint).off === 'function';
}

/** @internal Wraps an endpoint (Node's emitter interface is preferred where both exist: `parentPort` has both). */
export function channel(e: Endpoint): Channel {
  if (isNode(e)) {
    return {
      post: (m, t = []) => e.postMessage(m, t as readonly never[]),
      listen: (fn) => {
        e.on('message', fn);
        return () => void e.off('message', fn);
      },
      onFailure: (fn) => failureHooks(e, fn),
    };
  }
  return {
    post: (m, t = []) => e.postMessage(m, [...t]),
    listen: (fn) => {
      const l = (ev: MessageEvent): void => fn(ev.data);
      e.addEventListener('message', l);
      return () => e.removeEventListener('message', l);
    },
    onFailure: (fn) => failureHooks(e, fn),
  };
}
