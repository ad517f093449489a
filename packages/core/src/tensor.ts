import type { DType, TypedArray } from './dtype.js';
import { DisposedError, NotSupportedError, ShapeError, fmtShape } from './errors.js';
import { formatTensor } from './format.js';
import type { Node } from './node.js';
import * as ops from './ops/index.js';
import type { TensorLike } from './ops/convert.js';
import { type Scope, untrack } from './scope.js';
import { type Storage, stats } from './storage.js';
import { backward, type BackwardOptions } from './autograd.js';
import { getBackend } from './registry.js';
import { activeTrace } from './trace.js';

// `Symbol.dispose` (for `using t = …`) without requiring users to add lib
// `esnext.disposable` or @types/node: the same declaration those make, which merges with them.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** Nested arrays of numbers or booleans, as `array()` returns them. */
export type NestedArray = number | boolean | NestedArray[];

let nextId = 1;

/** A value read back to the host inside a compiled step: that trace cannot be replayed. */
function noteReadback(op: string): void {
  const trace = activeTrace();
  if (trace)
    trace.problem ??= `it reads a tensor back to the host (${op}), so later steps could depend on values a replay does not produce`;
}

interface FinalizerToken {
  storage: Storage;
  node: Node | null;
  backend: string;
}

// Safety net only: tensors that are garbage-collected without dispose() give back their
// storage. Correct code disposes (or uses tidy) and never depends on this.
const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<FinalizerToken>((tok) => {
        stats(tok.backend).tensors--;
        tok.storage.release();
        tok.node?.unref();
      })
    : null;

/** The mark on every copy's Tensor prototype (`Symbol.for`, so shared across copies). */
const TENSOR_BRAND = Symbol.for('tessera.core.Tensor');

/**
 * An n-dimensional array of numbers on a backend, with autograd. Values are immutable:
 * ops return new tensors. Create tensors with `tensor`, `zeros`, `randn`, …; free them with
 * `dispose()`, `using`, or a `tidy` scope.
 */
export class Tensor {
  static {
    // Every copy of core marks its tensors alike, so one copy recognises another's (see isForeignTensor).
    Object.defineProperty(Tensor.prototype, TENSOR_BRAND, { value: true });
  }

  /** Identity of the value; handles that share the value (autograd's saved copies) share it. */
  readonly id: number;
  /** Sizes of each axis. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow to this tensor. Set on leaves with `requiresGrad_()`. */
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf after `backward()`. Owned by this tensor. */
  grad: Tensor | null = null;
  /** @internal storage this handle points at */
  storage: Storage;
  /** @internal the op that produced this value, if recorded */
  node: Node | null;
  /** @internal the scope that will dispose this tensor */
  scope: Scope | null = null;
  /** @internal for saved handles of a leaf: the user-visible leaf */
  origin: Tensor | null = null;
  private disposedFlag = false;
  private readonly tracked: boolean;
  private readonly finToken: FinalizerToken | null = null;

  /** @internal Use the creation functions (`tensor`, `zeros`, …) instead. */
  constructor(
    storage: Storage,
    shape: readonly number[],
    dtype: DType,
    opts: { node?: Node | null; requiresGrad?: boolean; id?: number; counted?: boolean; weak?: boolean } = {},
  ) {
    this.id = opts.id ?? nextId++;
    this.storage = storage.retain();
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    let size = 1;
    for (const d of shape) size *= d;
    this.size = size;
    this.node = opts.node ?? null;
    this.requiresGrad = opts.requiresGrad ?? false;
    if (this.node && !opts.weak) this.node.refs++;
    this.tracked = opts.counted ?? true;
    if (this.tracked) {
      activeTrace()?.created.push(this);
      stats(storage.backend.name).tensors++;
      this.finToken = { storage, node: opts.weak ? null : this.node, backend: storage.backend.name };
      finalizer?.register(this, this.finToken, this);
    }
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Name of the backend that holds the values. */
  get backend(): string {
    return this.storage.backend.name;
  }

  /** True after `dispose()` (or after the scope that owned it ended). */
  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** True for tensors not produced by a recorded op (inputs, parameters). */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Name of the op that produced this tensor, if recorded (PyTorch's `grad_fn`). */
  get gradFn(): string | null {
    return this.node ? this.node.op.name : null;
  }

  /** @internal Throws DisposedError naming `op` if disposed. */
  assertAlive(op: string): void {
    if (this.disposedFlag) {
      throw new DisposedError(
        `${op}: tensor #${this.id} (shape ${fmtShape(this.shape)}, ${this.dtype}) was disposed. ` +
          `Keep it alive: return it from tidy(), call keep(t), or dispose it later.`,
      );
    }
  }

  /** Frees this handle's reference to the values (and its gradient). Safe to call twice. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    untrack(this);
    if (this.tracked) {
      finalizer?.unregister(this);
      stats(this.storage.backend.name).tensors--;
    }
    this.storage.release();
    this.node?.unref();
    this.grad?.dispose();
    this.grad = null;
  }

  /** @internal points this handle at other storage (Parameter.assign) */
  swapStorage(next: Storage): void {
    const old = this.storage;
    activeTrace()?.swapped.add(this);
    this.storage = next.retain();
    if (this.finToken) this.finToken.storage = next;
    old.release();
  }

  /** @internal releases a node's non-counting output handle */
  releaseWeak(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.storage.release();
  }

  /** `using t = tensor(...)` disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---------------------------------------------------------------- readback

  /** A copy of the values as a typed array (bool as 0/1 bytes). */
  async data(): Promise<TypedArray> {
    this.assertAlive('data');
    noteReadback('data');
    return this.storage.backend.read(this.storage.dataId, this.dtype, this.size);
  }

  /** Synchronous copy of the values, where the backend can (CPU). */
  dataSync(): TypedArray {
    this.assertAlive('dataSync');
    const b = this.storage.backend;
    if (!b.readSync) {
      throw new NotSupportedError(
        `dataSync: backend '${b.name}' cannot read synchronously. Use \`await t.data()\` (or \`await t.array()\`).`,
      );
    }
    // Only a read that happens counts: a refused one (caught by callers that check values
    // where they can, like layers' valuesIfSync) must not keep a step from compiling.
    noteReadback('dataSync');
    return b.readSync(this.storage.dataId, this.dtype, this.size);
  }

  /** The values as nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape, this.dtype);
  }

  /** Synchronous `array()`, where the backend can. */
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    this.assertSingle('item');
    return (await this.data())[0];
  }

  /** Synchronous `item()`, where the backend can. */
  itemSync(): number {
    this.assertSingle('itemSync');
    return this.dataSync()[0];
  }

  private assertSingle(op: string): void {
    if (this.size !== 1) {
      throw new ShapeError(`${op}: only one-element tensors have an item; this one has shape ${fmtShape(this.shape)}.`);
    }
  }

  /** Prints the values like PyTorch (`tensor([[1., 2.], ...])`) where they can be read synchronously. */
  toString(): string {
    if (this.disposedFlag) return `tensor(<disposed>, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    if (!this.storage.backend.readSync) {
      return `tensor(shape=${fmtShape(this.shape)}, dtype=${this.dtype}, backend=${this.backend})`;
    }
    return formatTensor(this.dataSync(), this.shape, this.dtype, {
      gradFn: this.gradFn,
      requiresGrad: this.requiresGrad && this.isLeaf,
      backend: this.backend,
    });
  }

  /** Prints `toString()` to the console. */
  print(): void {
    console.log(this.toString());
  }

  // ---------------------------------------------------------------- autograd

  /** Turns gradient tracking on (or off) for this leaf; returns this. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf) {
      throw new ShapeError(
        `requiresGrad_: tensor #${this.id} was produced by '${this.gradFn}' and already tracks gradients; ` +
          `only leaves can change it. Use t.detach() for a new leaf.`,
      );
    }
    if (flag && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new ShapeError(`requiresGrad_: only float tensors can require gradients (this one is ${this.dtype}).`);
    }
    this.requiresGrad = flag;
    return this;
  }

  /** A new leaf that shares the values but is cut from the graph. */
  detach(): Tensor {
    this.assertAlive('detach');
    return ops.share(this, { detach: true });
  }

  /**
   * Back-propagates from this tensor, accumulating `.grad` on every leaf that requires
   * it. A non-scalar tensor needs an explicit output gradient.
   */
  backward(gradient?: Tensor, options?: BackwardOptions): void {
    backward(this, gradient, options);
  }

  /** Returns this tensor on another backend (a copy), or itself if already there. */
  to(backend: string): Tensor {
    this.assertAlive('to');
    if (backend === this.backend) return this;
    const target = getBackend(backend);
    return ops.fromArray(this.dataSync(), this.shape, this.dtype, target);
  }

  /** Async `to()`: works from backends that can only read asynchronously. */
  async toAsync(backend: string): Promise<Tensor> {
    this.assertAlive('toAsync');
    if (backend === this.backend) return this;
    const target = getBackend(backend);
    return ops.fromArray(await this.data(), this.shape, this.dtype, target);
  }

  /** A copy with its own storage (recorded: gradients flow through it). */
  clone(): Tensor {
    return ops.clone(this);
  }

  // ---------------------------------------------------------------- elementwise
  neg(): Tensor { return ops.neg(this); }
  abs(): Tensor { return ops.abs(this); }
  sign(): Tensor { return ops.sign(this); }
  exp(): Tensor { return ops.exp(this); }
  expm1(): Tensor { return ops.expm1(this); }
  log(): Tensor { return ops.log(this); }
  log1p(): Tensor { return ops.log1p(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  square(): Tensor { return ops.square(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  relu(): Tensor { return ops.relu(this); }
  softplus(): Tensor { return ops.softplus(this); }
  erf(): Tensor { return ops.erf(this); }
  gelu(): Tensor { return ops.gelu(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  logicalNot(): Tensor { return ops.logicalNot(this); }
  leakyRelu(alpha = 0.01): Tensor { return ops.leakyRelu(this, alpha); }
  elu(alpha = 1): Tensor { return ops.elu(this, alpha); }
  clip(min: number, max: number): Tensor { return ops.clip(this, min, max); }
  cast(dtype: DType): Tensor { return ops.cast(this, dtype); }

  add(b: TensorLike): Tensor { return ops.add(this, b); }
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  mod(b: TensorLike): Tensor { return ops.mod(this, b); }
  equal(b: TensorLike): Tensor { return ops.equal(this, b); }
  notEqual(b: TensorLike): Tensor { return ops.notEqual(this, b); }
  less(b: TensorLike): Tensor { return ops.less(this, b); }
  lessEqual(b: TensorLike): Tensor { return ops.lessEqual(this, b); }
  greater(b: TensorLike): Tensor { return ops.greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return ops.greaterEqual(this, b); }
  logicalAnd(b: TensorLike): Tensor { return ops.logicalAnd(this, b); }
  logicalOr(b: TensorLike): Tensor { return ops.logicalOr(this, b); }
  logicalXor(b: TensorLike): Tensor { return ops.logicalXor(this, b); }

  // ---------------------------------------------------------------- reductions
  sum(axes?: number | readonly number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  prod(axes?: number | readonly number[], keepDims = false): Tensor { return ops.prod(this, axes, keepDims); }
  max(axes?: number | readonly number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  min(axes?: number | readonly number[], keepDims = false): Tensor { return ops.min(this, axes, keepDims); }
  argmax(axis?: number, keepDims = false): Tensor { return ops.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims = false): Tensor { return ops.argmin(this, axis, keepDims); }
  logSumExp(axes?: number | readonly number[], keepDims = false): Tensor { return ops.logSumExp(this, axes, keepDims); }
  variance(axes?: number | readonly number[], opts?: ops.VarianceOptions): Tensor { return ops.variance(this, axes, opts); }
  std(axes?: number | readonly number[], opts?: ops.VarianceOptions): Tensor { return ops.std(this, axes, opts); }
  norm(ord: number = 2, axes?: number | readonly number[], keepDims = false): Tensor { return ops.norm(this, ord, axes, keepDims); }

  // ---------------------------------------------------------------- linear algebra
  matmul(b: Tensor, opts?: ops.MatmulOptions): Tensor { return ops.matmul(this, b, opts); }

  // ---------------------------------------------------------------- movement
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  flatten(startAxis = 0, endAxis = -1): Tensor { return ops.flatten(this, startAxis, endAxis); }
  squeeze(axes?: number | readonly number[]): Tensor { return ops.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
  permute(perm: readonly number[]): Tensor { return ops.permute(this, perm); }
  transpose(axis0 = -2, axis1 = -1): Tensor { return ops.transpose(this, axis0, axis1); }
  /** Matrix transpose of a 2-d tensor (swaps the last two axes otherwise). */
  get T(): Tensor { return ops.transpose(this, -2, -1); }
  broadcastTo(shape: readonly number[]): Tensor { return ops.broadcastTo(this, shape); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  narrow(axis: number, start: number, length: number): Tensor { return ops.narrow(this, axis, start, length); }
  pad(pads: readonly (readonly [number, number])[], value = 0): Tensor { return ops.pad(this, pads, value); }
  flip(axes: number | readonly number[]): Tensor { return ops.flip(this, axes); }
  tile(reps: readonly number[]): Tensor { return ops.tile(this, reps); }
  gather(axis: number, index: Tensor): Tensor { return ops.gather(this, axis, index); }
  indexSelect(axis: number, indices: Tensor): Tensor { return ops.indexSelect(this, axis, indices); }
  split(sizes: number | readonly number[], axis = 0): Tensor[] { return ops.split(this, sizes, axis); }

  // ---------------------------------------------------------------- nn
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
}

/** Nested arrays from flat values (bool as booleans). */
function toNested(values: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(values[0]);
  const build = (axis: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[axis];
    const inner = stride / Math.max(n, 1);
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = axis === shape.length - 1 ? conv(values[offset + i]) : build(axis + 1, offset + i * inner, inner);
    }
    return out;
  };
  return build(0, 0, values.length);
}

/** True for Tensor instances of this copy of core. */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}

/** @internal true for a Tensor made by another loaded copy of @tessera/core (not usable here). */
export function isForeignTensor(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Tensor) && (v as Record<symbol, unknown>)[TENSOR_BRAND] === true;
}
