import type { BackendImpl, TensorData } from './backend.js';
import { BYTES_PER_ELEMENT, type DType, type TypedArray } from './dtype.js';
import { BackendError, DTypeError } from './errors.js';
import { isGradEnabled } from './grad-mode.js';
import { Node } from './node.js';
import type { OpDef } from './op.js';
import type { ElementwiseAttrs } from './expr/ir.js';
import { defaultBackendImpl, findKernel, missingKernel } from './registry.js';
import { Storage } from './storage.js';
import { track } from './scope.js';
import { Tensor } from './tensor.js';
import { activeTrace } from './trace.js';
import { opRecordingHook } from './record-ops.js';

/** Wraps fresh storage in a new user tensor tracked by the current scope. */
export function newTensor(storage: Storage, shape: readonly number[], dtype: DType): Tensor {
  const t = new Tensor(storage, shape, dtype);
  track(t);
  return t;
}

/** Uploads values to a backend (default: the default backend) as a new tensor. */
export function fromValues(values: TypedArray, shape: readonly number[], dtype: DType, backend?: BackendImpl): Tensor {
  const b = backend ?? defaultBackendImpl();
  assertDTypeSupported('tensor', dtype, b);
  const storage = new Storage(b.write(values, dtype, shape), b, values.length * BYTES_PER_ELEMENT[dtype]);
  activeTrace()?.uploads.add(storage.retain()); // held until the trace decides which are constants
  return newTensor(storage, shape, dtype);
}

function assertDTypeSupported(op: string, dtype: DType, b: BackendImpl): void {
  if (!b.dtypes.includes(dtype)) {
    throw new DTypeError(
      `${op}: backend '${b.name}' does not support ${dtype} (it supports ${b.dtypes.join(', ')}). ` +
        `Cast first, or use a backend that has it (float64 is CPU-only).`,
    );
  }
}

/**
 * A second handle to the same value: shares storage (and, unless `detach`, the autograd
 * node). Used for saved tensors and `detach()`.
 */
export function shareHandle(t: Tensor, opts: { detach?: boolean; counted?: boolean; weak?: boolean } = {}): Tensor {
  const h = new Tensor(t.storage, t.shape, t.dtype, {
    node: opts.detach ? null : t.node,
    requiresGrad: opts.detach ? false : t.requiresGrad,
    id: opts.detach ? undefined : t.id,
    counted: opts.counted,
    weak: opts.weak,
  });
  if (!opts.detach) h.origin = t.origin ?? (t.node ? null : t);
  return h;
}

/** Backend shared by all inputs; a clear error names the op and both backends otherwise. */
function commonBackend(op: string, inputs: readonly Tensor[]): BackendImpl {
  const b = inputs[0].storage.backend;
  for (let i = 1; i < inputs.length; i++) {
    const other = inputs[i].storage.backend;
    if (other !== b) {
      throw new BackendError(
        `${op}: input 0 is on backend '${b.name}' but input ${i} is on '${other.name}'. ` +
          `Move one of them first, e.g. x.to('${b.name}').`,
      );
    }
  }
  return b;
}

/**
 * Attributes of an op call: a value, or a function that computes them. A function is called
 * once per execution, and again at every replay of a compiled step, so values that change
 * from step to step (a scheduled learning rate, Adam's bias corrections, a step counter it
 * advances) stay right in compiled steps. Keep it cheap and free of tensor work.
 */
export type AttrsArg<A> = A | (() => A);

/**
 * Runs an op: checks inputs, infers the output, dispatches to the backend's kernel (or
 * the op's decomposition), and records the autograd node when an input requires grad.
 */
export function runOp<A>(def: OpDef<A>, inputs: readonly Tensor[], attrsArg: AttrsArg<A>, backend?: BackendImpl): Tensor {
  for (const t of inputs) t.assertAlive(def.name);
  const thunk = typeof attrsArg === 'function' ? (attrsArg as () => A) : null;
  const attrs = thunk ? thunk() : (attrsArg as A);
  const recording = opRecordingHook(); // null unless recordOps() is on (exporters)
  if (recording) return recording(def, inputs, attrs, () => runOp(def, inputs, attrs, backend));
  const trace = activeTrace();
  if (trace) for (const t of inputs) if (!trace.owners.has(t.storage)) trace.owners.set(t.storage, t.origin ?? t);
  const b = inputs.length > 0 ? commonBackend(def.name, inputs) : (backend ?? defaultBackendImpl());
  const { shape, dtype } = def.infer(inputs, attrs);
  let out: Tensor;
  if (def.view) {
    out = newTensor(inputs[0].storage, shape, dtype);
  } else {
    // An elementwise op without a kernel of its own runs through the backend's expression kernel.
    const exprKernel = def.elementwise ? findKernel('elementwise', b) : undefined;
    const kernel = findKernel(def.name, b) ?? exprKernel;
    const asExpr = exprKernel !== undefined && kernel === exprKernel && def.elementwise ? def.elementwise.bind(def) : null;
    const infos = asExpr ? inputs.map((t) => ({ shape: t.shape, dtype: t.dtype })) : [];
    const kattrs: unknown = asExpr ? asExpr(attrs, infos) : attrs;
    const views = asExpr ? (kattrs as ElementwiseAttrs).shapes : undefined;
    if (!kernel) {
      if (def.decompose) {
        if (trace && (thunk || def.fresh))
          trace.problem ??= `'${def.name}' has per-step attributes but backend '${b.name}' runs it as a composite (no fused kernel)`;
        return def.decompose(inputs, attrs);
      }
      throw missingKernel(def.name, b.name);
    }
    assertDTypeSupported(def.name, dtype, b);
    let size = 1;
    for (const d of shape) size *= d;
    const data: TensorData[] = inputs.map((t, i) => ({
      dataId: t.storage.dataId,
      shape: views?.[i] ?? t.shape,
      dtype: t.dtype,
      size: t.size,
    }));
    const dataId = (kernel as (ctx: unknown) => object)({ backend: b, inputs: data, attrs: kattrs, out: { shape, dtype, size } });
    const storage = new Storage(dataId, b, size * BYTES_PER_ELEMENT[dtype]);
    out = newTensor(storage, shape, dtype);
    if (trace) {
      const fresh = def.fresh;
      const refresh = thunk ?? (fresh ? () => fresh(attrs) : null);
      trace.calls.push({
        def: def as OpDef<never>, kernel: kernel as never, backend: b, attrs: kattrs,
        refresh: refresh && asExpr ? () => asExpr(refresh(), infos) : refresh,
        elementwise: asExpr !== null,
        shapes: views,
        inputs: inputs.map((t) => ({ storage: t.storage, handle: t })),
        out: { shape, dtype, size }, output: storage,
      });
    }
  }
  if (!def.nonDifferentiable && isGradEnabled() && (dtype === 'float32' || dtype === 'float64') && inputs.some((t) => t.requiresGrad)) {
    record(def, inputs, attrs, out);
  }
  return out;
}

function record<A>(def: OpDef<A>, inputs: readonly Tensor[], attrs: A, out: Tensor): void {
  const saved = inputs.map((t) => shareHandle(t, { counted: false }));
  const weakOut = new Tensor(out.storage, out.shape, out.dtype, { id: out.id, counted: false });
  const node = new Node(def as OpDef<never>, saved, attrs, weakOut);
  weakOut.node = node; // not counted: the node must not keep itself alive
  weakOut.requiresGrad = true;
  out.node = node;
  node.refs++;
  out.requiresGrad = true;
}
