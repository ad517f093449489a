import { TesseraError } from './errors.js';
import type { OpDef } from './op.js';
import type { Tensor } from './tensor.js';

/** One op call as `runOp` received it, before any decomposition into other ops. */
export interface RecordedOp {
  /** The op definition (its `name` is the registry name: 'conv2d', 'add', 'reshape', …). */
  readonly def: OpDef<never>;
  /** The input tensors, as passed. */
  readonly inputs: readonly Tensor[];
  /** The attributes, resolved (a per-step attribute function has been called once). */
  readonly attrs: unknown;
  /** The tensor the call returned. */
  readonly output: Tensor;
}

/** Receives each recorded call. */
export type OpRecorder = (call: RecordedOp) => void;

type Hook = <A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A, run: () => Tensor) => Tensor;

let active: OpRecorder | null = null;

/**
 * @internal Called by `runOp` once its attributes are resolved: while a recording is on,
 * a hook that runs the call with recording off (so a composite op's decomposition is not
 * reported, only the op itself) and then reports it; otherwise null.
 */
export function opRecordingHook(): Hook | null {
  if (active === null) return null;
  const recorder = active;
  return (def, inputs, attrs, run) => {
    active = null;
    let output: Tensor;
    try {
      output = run();
    } finally {
      active = recorder;
    }
    recorder({ def: def as OpDef<never>, inputs, attrs, output });
    return output;
  };
}

/**
 * Runs `fn` and reports every op call it makes, at the level the caller made it: a
 * composite op (softmax, biasActivation, …) is reported once, by its own name, not as the
 * primitives it decomposes into. This is how exporters (`@tessera/onnx`) capture a
 * model's graph. Synchronous only; recordings do not nest, and a recording inside
 * `compile()` is not supported (per-step attributes are read once).
 *
 * @example
 * const calls: RecordedOp[] = [];
 * const y = recordOps((c) => calls.push(c), () => model.call(x));
 * calls.map((c) => c.def.name); // ['conv2d', 'biasActivation', 'maxPool2d', …]
 */
export function recordOps<T>(recorder: OpRecorder, fn: () => T): T {
  if (active !== null) throw new TesseraError('recordOps: a recording is already running; recordings do not nest.');
  active = recorder;
  try {
    return fn();
  } finally {
    active = null;
  }
}
