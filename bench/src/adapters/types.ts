/**
 * The interface every library adapter implements: one factory per workload, each
 * returning a Runner over resources it allocated up front (weights, inputs, sessions).
 */
import type { CnnData, MatmulData, MlpData } from '../data.js';

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

export type LibName = 'tessera-cpu' | 'tfjs-cpu' | 'tfjs-wasm' | 'onnx';

export interface Adapter {
  readonly name: LibName;
  /** One line about the library (version, backend, threads) for the report header. */
  describe(): string;
  /** Loads the library; throws if it cannot run here. */
  init(): Promise<void>;
  /** Makes this adapter's backend current (tfjs shares one engine between cpu and wasm). */
  activate(): Promise<void>;
  /** Live tensors, for the leak check after each cell (undefined: not tracked). */
  liveTensors(): number | undefined;
  matmul?(d: MatmulData): Promise<Runner>;
  /** matmul with the data's transposeA/transposeB flags. */
  matmulTransposed?(d: MatmulData): Promise<Runner>;
  mlpTrain?(d: MlpData): Promise<Runner>;
  cnnTrain?(d: CnnData): Promise<Runner>;
  cnnInfer?(d: CnnData): Promise<Runner>;
}

/** Thrown by an adapter for a workload it cannot run (prints "unsupported"). */
export class Unsupported extends Error {}
