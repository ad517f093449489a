/** How long the compiled-step section measures (epochs of a few batches, alternated rounds). */

export interface SectionPlan {
  /** Batches per epoch (the data set is this many full batches, already on the device). */
  readonly batchesPerEpoch: number;
  /** Epochs per run; the first is a warm-up (it traces and compiles pipelines) and is not timed. */
  readonly epochs: number;
  /** Eager and compiled runs alternate this many times (A B A B ...); timed epochs are pooled. */
  readonly rounds: number;
  /** Seconds the torch-cpu subprocess times each workload. */
  readonly torchSeconds: number;
}

export const SECTION_PLAN: SectionPlan = { batchesPerEpoch: 10, epochs: 4, rounds: 2, torchSeconds: 1.5 };
export const QUICK_SECTION_PLAN: SectionPlan = { batchesPerEpoch: 8, epochs: 3, rounds: 1, torchSeconds: 0.5 };
