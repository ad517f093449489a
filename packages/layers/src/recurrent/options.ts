import type { Tensor } from '@tessera/core';
import type { LayerDTypeOptions } from '../norm/config.js';
import type { RNNNonlinearity } from './kinds.js';

/** Options every recurrent cell and layer takes. */
export interface RecurrentCellOptions extends LayerDTypeOptions {
  /** Learn the biases `bias_ih` and `bias_hh` (default true). */
  readonly bias?: boolean;
}

/** Options of `RNNCell`. */
export interface RNNCellOptions extends RecurrentCellOptions {
  /** `'tanh'` (default) or `'relu'`. */
  readonly nonlinearity?: RNNNonlinearity;
}

/** Options of the multi-layer `RNN`, `LSTM` and `GRU` (PyTorch's defaults). */
export interface RecurrentOptions extends RecurrentCellOptions {
  /** Stacked layers; layer k > 0 reads layer k−1's output sequence (default 1). */
  readonly numLayers?: number;
  /** Input and output are [N, L, features] instead of [L, N, features] (default false). States stay [layers·directions, N, H]. */
  readonly batchFirst?: boolean;
  /** Dropout probability on each layer's output except the last, in training mode only (default 0). */
  readonly dropout?: number;
  /** Also run each layer backwards in time and concatenate both outputs (default false). */
  readonly bidirectional?: boolean;
}

/**
 * Per-call options of `RNN`, `LSTM` and `GRU`: padded batches (PyTorch's
 * `pack_padded_sequence` → RNN → `pad_packed_sequence`).
 */
export interface SequenceOptions {
  /**
   * Valid length of each sequence of the batch ([N] numbers in 1…L, or an int32 tensor
   * [N]); steps at or past a sequence's length are padding: its state is not updated
   * there (the final state is the one at its last valid step; the reverse direction
   * starts from its own last valid step) and its output there is 0. Unsorted is fine.
   */
  readonly lengths?: readonly number[] | Tensor;
}

/** Options of `RNN`. */
export interface RNNOptions extends RecurrentOptions {
  /** `'tanh'` (default) or `'relu'`. */
  readonly nonlinearity?: RNNNonlinearity;
}
