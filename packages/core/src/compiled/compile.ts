import { CompileError } from '../errors.js';
import { newTensor } from '../engine.js';
import { tidy } from '../memory.js';
import { isTensor, type Tensor } from '../tensor.js';
import { TraceRecorder, activeTrace, withTrace } from '../trace.js';
import { type DeviceRun, deviceRunValid, recordProgram, releaseDeviceRun, replayDevice } from './device.js';
import {
  type Program,
  UntraceableStep,
  applyEscapes,
  buildProgram,
  dropStaleGrads,
  programValid,
  releaseProgram,
  replayKernels,
} from './program.js';

/** Options of `compile`. */
export interface CompileOptions {
  /** Name used in warnings (default: the function's name). */
  readonly name?: string;
  /** Traces kept, one per input signature, before the oldest is dropped (default 8). */
  readonly maxTraces?: number;
  /** Tries at tracing a signature before it runs eagerly for good (default 3: lazily created state settles first). */
  readonly maxAttempts?: number;
  /** Called instead of `console.warn` with one-time notes (a signature that keeps changing, an eager fallback). */
  readonly onWarn?: (message: string) => void;
  /**
   * Fuse chains of elementwise ops into single kernels (default true; see
   * docs/expressions.md). Off: one kernel per op, as traced (for A/B measurements).
   */
  readonly fuse?: boolean;
}

/** What a compiled function has done so far. */
export interface CompileStats {
  /** Calls that traced (ran eagerly while recording). */
  readonly traces: number;
  /** Calls answered by replaying a trace. */
  readonly replays: number;
  /** Calls that ran eagerly without a usable trace. */
  readonly eager: number;
  /** Kernels one replay of the most recent program runs. */
  readonly kernels: number;
  /**
   * Their names in order, a debug listing: a fused call reads `fused(matmul+add+relu)`
   * (the kernel, then the elementwise ops merged into it or its epilogue).
   */
  readonly calls: readonly string[];
  /** Replays that re-issued a device recording (no kernel host work; WebGPU). */
  readonly deviceReplays: number;
  /** Device recordings made (one per program unless a guard forced a new one). */
  readonly recordings: number;
  /** Why the last trace could not be used, if it could not. */
  readonly lastProblem: string | null;
}

/** A function compiled by `compile`: call it like the original. */
export interface CompiledFunction<A extends unknown[], R> {
  (...args: A): R;
  /** Counters: traces, replays, eager calls, kernels per replay. */
  readonly stats: CompileStats;
  /** Frees every trace (their constants); the function still works and traces again. */
  dispose(): void;
}

interface Entry {
  program: Program | null;
  attempts: number;
  template: unknown;
  /** The program recorded on the device, once it replayed. */
  device: DeviceRun | null;
  /** Recordings that served few replays before a guard failed (a guard that keeps failing stops recording). */
  recordings: number;
  /** Device replays of the current recording. */
  served: number;
}

/**
 * Short-lived recordings of one program before it settles for kernel replays; a recording
 * that served `LONG_LIVED` replays (state reset once an epoch, say) does not count.
 */
const MAX_RECORDINGS = 3;
const LONG_LIVED = 16;

function releaseEntry(e: Entry): void {
  if (e.device) releaseDeviceRun(e.device);
  if (e.program) releaseProgram(e.program);
  e.device = null;
  e.program = null;
  e.recordings = 0;
  e.served = 0;
}

/** Replays a program: from its device recording where there is a valid one, else kernel by kernel. */
function replay(entry: Entry, p: Program, args: readonly Tensor[], stats: { deviceReplays: number; recordings: number }): Tensor[] {
  dropStaleGrads(p);
  let valid = entry.device !== null && deviceRunValid(p, entry.device);
  if (entry.device && !valid) {
    releaseDeviceRun(entry.device);
    entry.device = null;
    if (entry.served >= LONG_LIVED) entry.recordings--;
  }
  if (!entry.device && entry.recordings < MAX_RECORDINGS && p.backend.record) {
    entry.recordings++;
    entry.served = 0;
    entry.device = recordProgram(p, args);
    if (entry.device) stats.recordings++;
    else entry.recordings = MAX_RECORDINGS;
    // A fresh recording can still be unusable now (a state buffer someone else holds).
    valid = entry.device !== null && deviceRunValid(p, entry.device);
  }
  if (entry.device && valid) {
    stats.deviceReplays++;
    entry.served++;
    return applyEscapes(p, replayDevice(p, entry.device, args), newTensor, true);
  }
  return applyEscapes(p, replayKernels(p, args), newTensor);
}

/** Arguments as a cache key: tensors by shape, dtype and backend; plain values as themselves. */
function signature(args: readonly unknown[], tensors: Tensor[]): string {
  const part = (v: unknown): string => {
    if (isTensor(v)) {
      tensors.push(v);
      return `T[${v.shape.join(',')}]${v.dtype}@${v.backend}${v.requiresGrad ? '+g' : ''}`;
    }
    if (Array.isArray(v)) return `(${v.map(part).join(';')})`;
    if (v === undefined || v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
      return JSON.stringify(v) ?? 'u';
    throw new CompileError(
      `compile: arguments must be tensors, arrays of tensors or plain numbers/strings/booleans (got ${Object.prototype.toString.call(v)}).`,
    );
  };
  return args.map(part).join('|');
}

/** The returned value with its tensors replaced by numbered holes (for rebuilding replays' results). */
function templateOf(value: unknown, outs: Tensor[]): unknown {
  if (isTensor(value)) {
    outs.push(value);
    return { __out: outs.length - 1 };
  }
  if (Array.isArray(value)) return value.map((v) => templateOf(v, outs));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, templateOf(v, outs)]));
  }
  return value;
}

function fill(template: unknown, outs: readonly Tensor[]): unknown {
  if (Array.isArray(template)) return template.map((v) => fill(v, outs));
  if (template && typeof template === 'object') {
    const o = template as Record<string, unknown>;
    if (typeof o.__out === 'number' && Object.keys(o).length === 1) return outs[o.__out];
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fill(v, outs)]));
  }
  return template;
}

/**
 * Compiles a step — forward, backward, optimizer update — so that later calls replay it
 * with almost no host work (CUDA Graphs / `torch.compile` / jax's `jit` in spirit).
 *
 * The first call of each input signature (tensor shapes, dtypes, backend) runs `fn`
 * eagerly while recording the kernels it runs; later calls replay those kernels on the new
 * arguments: no shape inference, no autograd graph, no scopes, intermediates freed right
 * after their last use. Results equal eager execution's: parameters and buffers updated
 * with `Parameter.assign` are updated, `.grad` is set as `backward()` set it, random ops
 * draw fresh numbers each call (the same as eager with the same seed), and op attributes
 * given as functions (`runOp(def, xs, () => attrs)`) are recomputed each call.
 *
 * What a replay cannot see: host numbers and uploads inside `fn` are constants of the
 * trace (pass data that changes as arguments), and JavaScript side effects of `fn` do not
 * run again. A trace that reads values back (`data()`, `dataSync()`), keeps tensors it
 * does not return, or returns a tensor that requires grad is not used: that signature runs
 * eagerly, with a one-time warning that says why. `fn` runs inside `tidy`.
 *
 * @example
 * const step = compile((x: Tensor, y: Tensor) => {
 *   opt.zeroGrad();
 *   const loss = crossEntropyLoss(net.call(x), y);
 *   loss.backward();
 *   opt.step();
 *   return loss.detach();
 * });
 * for (const { x, y } of batches) tidy(() => step(x, y));
 */
export function compile<A extends unknown[], R>(fn: (...args: A) => R, opts: CompileOptions = {}): CompiledFunction<A, R> {
  const name = opts.name ?? (fn.name || 'step');
  const maxTraces = opts.maxTraces ?? 8;
  const maxAttempts = opts.maxAttempts ?? 3;
  const warn = opts.onWarn ?? ((m: string) => console.warn(`[tessera] ${m}`));
  const entries = new Map<string, Entry>();
  const warned = new Set<string>();
  const stats = {
    traces: 0,
    replays: 0,
    eager: 0,
    kernels: 0,
    calls: [] as readonly string[],
    deviceReplays: 0,
    recordings: 0,
    lastProblem: null as string | null,
  };
  let lastSig: string | null = null;
  const warnOnce = (key: string, msg: string) => {
    if (!warned.has(key)) {
      warned.add(key);
      warn(msg);
    }
  };

  const trace = (entry: Entry, args: A, tensors: Tensor[]): R => {
    const rec = new TraceRecorder();
    stats.traces++;
    entry.attempts++;
    let template: unknown;
    let outs: Tensor[] = [];
    let result: R;
    try {
      result = withTrace(rec, () =>
        tidy(() => {
          const r = fn(...args);
          if (r instanceof Promise)
            throw new CompileError(
              `compile(${name}): the step returned a Promise; compiled steps must be synchronous (read values after the call).`,
            );
          outs = [];
          template = templateOf(r, outs);
          return r;
        }),
      );
    } catch (e) {
      for (const s of rec.uploads) s.release();
      throw e;
    }
    try {
      entry.program = buildProgram(rec, tensors, outs, opts.fuse ?? true);
      entry.template = template;
      stats.kernels = entry.program.calls.length;
      stats.calls = Object.freeze(entry.program.calls.map((c) => c.name));
      stats.lastProblem = null;
    } catch (e) {
      if (!(e instanceof UntraceableStep)) throw e;
      stats.lastProblem = e.message;
      if (entry.attempts >= maxAttempts) warnOnce(`eager:${e.message}`, `compile(${name}): running eagerly because ${e.message}.`);
    }
    return result;
  };

  const compiled = ((...args: A): R => {
    if (activeTrace()) return fn(...args); // inside another compiled step: part of its trace
    const tensors: Tensor[] = [];
    const sig = signature(args, tensors);
    let entry = entries.get(sig);
    if (!entry) {
      entry = { program: null, attempts: 0, template: undefined, device: null, recordings: 0, served: 0 };
      entries.set(sig, entry);
      if (entries.size > maxTraces) {
        const [oldKey, old] = entries.entries().next().value as [string, Entry];
        releaseEntry(old);
        entries.delete(oldKey);
        warnOnce('churn', `compile(${name}): more than ${maxTraces} input signatures (last change: ${describeChange(lastSig, sig)}); ` +
          `each new one is traced again. Keep shapes fixed (e.g. drop or pad the last batch).`);
      }
    }
    lastSig = sig;
    const p = entry.program;
    if (p && programValid(p, tensors)) {
      stats.replays++;
      return fill(entry.template, replay(entry, p, tensors, stats)) as R;
    }
    if (p) {
      releaseEntry(entry);
      entry.attempts = 0;
    }
    if (entry.attempts >= maxAttempts) {
      stats.eager++;
      return tidy(() => fn(...args));
    }
    return trace(entry, args, tensors);
  }) as CompiledFunction<A, R>;
  Object.defineProperty(compiled, 'stats', { get: (): CompileStats => ({ ...stats }) });
  compiled.dispose = () => {
    for (const e of entries.values()) releaseEntry(e);
    entries.clear();
  };
  return compiled;
}

function describeChange(prev: string | null, next: string): string {
  if (!prev) return next;
  const a = prev.split('|');
  const b = next.split('|');
  const i = b.findIndex((v, k) => v !== a[k]);
  return i < 0 ? next : `argument ${i} was ${a[i] ?? 'absent'}, now ${b[i]}`;
}
