/**
 * The interface every library adapter implements: one factory per workload, each
 * returning a Runner over resources it allocated up front (weights, inputs, sessions).
 */
import type { ConvNetInferData, ConvNetTrainData } from '../convnets/data.js';
import type { CnnData, MatmulData, MlpData } from '../data.js';

/** What a matmul run reads back: all of C, or only its first row. */
export type MatmulRead = 'all' | 'row0';

/** One prepared workload on one library. */
export interface Runner {
  /**
   * Runs one iteration to completion (values read back, so async backends are timed
   * honestly) and returns a small probe of the result for the cross-library check:
   * matmul → C; training → [loss, ...fc-last bias after the update]; inference → logits.
   */
  run(): Promise<Float32Array>;
  /**
   * Optional fuller probe, read once right after the first run (not timed). Training
   * runners return [loss, ...the gradient of every parameter] (canonical layout), recovered
   * from the first SGD update: (initial − updated) / lr.
   */
  probe?(): Promise<Float32Array>;
  /** Frees everything the runner allocated. */
  dispose(): void;
}

export type LibName = 'tessera-cpu' | 'tfjs-cpu' | 'tfjs-wasm' | 'onnx' | 'tessera-webgpu' | 'tfjs-webgpu';

export interface Adapter {
  readonly name: LibName;
  /** True for a GPU column (runs the GPU-only workloads, e.g. matmul 2048 and 4096). */
  readonly gpu?: boolean;
  /** One line about the library (version, backend, threads) for the report header. */
  describe(): string;
  /** Loads the library; throws if it cannot run here. */
  init(): Promise<void>;
  /** Makes this adapter's backend current (tfjs shares one engine between cpu and wasm). */
  activate(): Promise<void>;
  /** Live tensors, for the leak check after each cell (undefined: not tracked). */
  liveTensors(): number | undefined;
  /**
   * C = A·B per run. `read` 'all' reads C back (the probe is C); 'row0' reads back only
   * C's first row (the probe), so C stays on the device and the time is mostly the GEMM.
   */
  matmul?(d: MatmulData, read?: MatmulRead): Promise<Runner>;
  /** matmul with the data's transposeA/transposeB flags. */
  matmulTransposed?(d: MatmulData): Promise<Runner>;
  mlpTrain?(d: MlpData): Promise<Runner>;
  cnnTrain?(d: CnnData): Promise<Runner>;
  cnnInfer?(d: CnnData): Promise<Runner>;
  /** Inference of a zoo convnet (ResNet, VGG) with the plan's weights; logits are the probe. */
  convNetInfer?(d: ConvNetInferData): Promise<Runner>;
  /** One SGD-momentum training step of a zoo convnet; probe [loss, ...fc bias after the step]. */
  convNetTrain?(d: ConvNetTrainData): Promise<Runner>;
  /** Releases what init() acquired (a GPU device); called once after the last cell. */
  close?(): Promise<void>;
}

/** Thrown by an adapter for a workload it cannot run (prints "unsupported"). */
export class Unsupported extends Error {}

/** Thrown by an adapter for a row it leaves out on purpose (prints "n/a" with the reason). */
export class NotApplicable extends Error {}
