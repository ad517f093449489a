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

/** Options of `RNN`. */
export interface RNNOptions extends RecurrentOptions {
  /** `'tanh'` (default) or `'relu'`. */
  readonly nonlinearity?: RNNNonlinearity;
}
