import type { DType, TypedArray } from './dtype.js';
import type { ElementwiseGroupAttrs, MultiOutputKernel, ReduceGroupAttrs } from './expr/group.js';

/**
 * Opaque handle to a backend's storage for one buffer. Core never looks inside; a
 * backend returns it from `write` or a kernel and gets it back in kernel inputs.
 */
export type DataId = object;

/** What a kernel sees of one input: always contiguous, row-major. */
export interface TensorData {
  readonly dataId: DataId;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** Shape and dtype of the output a kernel must produce. */
export interface OutputSpec {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/** Everything a kernel gets for one call. */
export interface KernelContext<A> {
  readonly backend: BackendImpl;
  readonly inputs: readonly TensorData[];
  readonly attrs: A;
  readonly out: OutputSpec;
}

/**
 * A kernel computes one op on one backend: `(backend, inputs, attrs, output spec) →
 * storage`. It must not keep references to its inputs and must return fresh storage.
 */
export type Kernel<A = Record<string, never>> = (ctx: KernelContext<A>) => DataId;

/** A kernel of unknown attributes, for tables that hold many ops. */
export type AnyKernel = Kernel<never>;

/** Extra numbers a backend may report in `memory()`. */
export interface BackendMemoryInfo {
  /** Bytes held in a pool for reuse, not owned by any tensor. */
  readonly pooledBytes?: number;
  readonly [key: string]: number | undefined;
}

/**
 * A buffer-to-buffer copy between two storages of this backend holding values of the same
 * shape and dtype; `bytes` is core's size of the value (a bool is 1 byte), which a backend
 * that stores elements wider (WebGPU: 4 bytes) scales to its own storage.
 */
export interface DeviceCopy {
  readonly src: DataId;
  readonly dst: DataId;
  readonly bytes: number;
}

/** What one replay of a device recording moves in and out (see `BackendImpl.record`). */
export interface ReplayIO {
  /** Copied before the recorded work: new arguments into the recording's argument buffers. */
  readonly before: readonly DeviceCopy[];
  /** Copied after it: new state values back into the buffers the recording reads them from. */
  readonly after: readonly DeviceCopy[];
  /** Recorded buffers whose values are handed out: each gets a fresh storage holding a copy. */
  readonly handOut: readonly { readonly src: DataId; readonly dtype: DType; readonly size: number }[];
  /**
   * Kernel calls whose attributes change per replay (random keys, attribute functions), in
   * call order: `call` is the recorded call index, `run` calls its kernel again with the new
   * attributes and the recorded inputs. The backend runs each in "patch" mode (its outputs
   * land in the recorded buffers, its dispatches update the recorded parameters).
   */
  readonly rerun: readonly { readonly call: number; readonly run: () => unknown }[];
}

/** Device work of a compiled step, recorded once and re-issued without running kernels. */
export interface DeviceRecording {
  /** Re-issues the work; returns the hand-out storages, in `io.handOut` order. */
  replay(io: ReplayIO): DataId[];
  /** Buffers the recording owns (its intermediates), in bytes. */
  readonly bytes: number;
  /** Frees the recording's buffers and objects. */
  dispose(): void;
}

/** A running backend: storage management plus its kernels. */
export interface BackendImpl {
  /** Unique name, e.g. `'cpu'` or `'webgpu'`. */
  readonly name: string;
  /** Dtypes this backend can store and compute. */
  readonly dtypes: readonly DType[];
  /** Kernels by op name. */
  readonly kernels: Readonly<Record<string, AnyKernel>>;
  /** Uploads values (the backend may keep the array: callers pass a fresh one). */
  write(values: TypedArray, dtype: DType, shape: readonly number[]): DataId;
  /** Reads a copy of the values. */
  read(dataId: DataId, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, only where the backend can (CPU). */
  readSync?(dataId: DataId, dtype: DType, size: number): TypedArray;
  /** Fresh storage of `size` elements whose values are undefined (compiled steps' argument buffers). */
  alloc?(dtype: DType, size: number): DataId;
  /** Releases storage. Called exactly once per DataId, when its last reference goes. */
  free(dataId: DataId): void;
  /** Backend-specific memory numbers for `memory()`. */
  memoryInfo?(): BackendMemoryInfo;
  /** Waits until all queued work has finished (GPU backends). */
  sync?(): Promise<void>;
  /**
   * Optional, for compiled steps: runs `run` (which calls kernels, announcing each with
   * `beginCall(k)`) and records the device work it issues, for replays that skip the
   * kernels' host work. Buffers the kernels allocate belong to the recording (reused within
   * it as they are freed). Returns null when the work cannot be recorded; the step then
   * replays kernel by kernel. The recorded work is not executed by `record` itself.
   */
  record?(run: (beginCall: (call: number) => void) => void): DeviceRecording | null;
  /**
   * Kernels (by op name, e.g. `'matmul'`, `'conv2d'`) that accept an `epilogue` attribute
   * (`EpilogueAttrs`): an elementwise expression applied to each output element before it
   * is stored, whose `input(0)` is the kernel's own result and `input(1…)` are extra inputs
   * appended after the kernel's inputs (broadcast to the output shape). Compiled steps fuse
   * an elementwise reader of such a kernel's output into it (docs/expressions.md).
   */
  readonly epilogueKernels?: ReadonlySet<string>;
  /**
   * Optional, for compiled steps: kernels that accept a `prologue` attribute
   * (`PrologueAttrs`), by name, with the input it replaces: the elementwise call computing
   * that input is then evaluated inside the kernel (docs/expressions.md, "Fusion").
   */
  readonly prologueKernels?: ReadonlyMap<string, number>;
  /**
   * Optional, for compiled steps: runs several independent calls of one expression (a
   * step's parameter updates) as one call with one output per member
   * (`ElementwiseGroupAttrs`); compiled steps group such calls only on backends that have
   * it (docs/expressions.md, "Grouped updates"). `groupByMember` builds one from an
   * `elementwise` kernel.
   */
  readonly elementwiseGroup?: MultiOutputKernel<ElementwiseGroupAttrs>;
  /**
   * Optional, for compiled steps: runs independent whole-tensor float32 sums, each of an
   * expression over its inputs (the elementwise call that made the summed tensor, as a
   * prologue), as one call with one one-element output per member (`ReduceGroupAttrs`): a
   * loss's label count and loss sum (docs/expressions.md, "Dispatches per training step"),
   * then the `epilogue`'s output when the attributes have one (the loss's mean).
   */
  readonly reduceGroup?: MultiOutputKernel<ReduceGroupAttrs>;
  /**
   * Optional, for compiled steps: the backend's `matmul` kernel accepts `onesColumn: true`
   * (`MatmulOnesColumnAttrs`) and then returns two storages, the product and op(a)·1 (op(a)
   * summed over K, [M]: as if op(b) had a column of ones appended). A dense layer's weight
   * gradient dzᵀ·x and its bias gradient `biasAddGrad(dz)` then run as one GEMM
   * (docs/expressions.md, "Bias gradients in the weight gradient").
   */
  readonly matmulOnesColumn?: boolean;
  /**
   * Optional, for compiled steps: the backend's `conv2dBackpropFilter` kernel accepts
   * `onesColumn: true` and then returns two storages, the filter gradient and dy summed over
   * the batch and pixels ([O]: the implicit GEMM's K is N·Ho·Wo). A convolution's NCHW
   * bias gradient `biasAddGrad(dy)` then runs inside its filter gradient.
   */
  readonly conv2dBackpropFilterOnesColumn?: boolean;
  /** Human-readable facts for `tessera info`. */
  info?(): Readonly<Record<string, string | number | boolean>>;
  /** Tears the backend down; storage is invalid afterwards. */
  dispose?(): void;
}
