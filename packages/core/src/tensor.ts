/** Placeholder until the Tensor class lands (next commit). */
export declare class Tensor {
  readonly shape: readonly number[];
}
