/** Recurrent layers and cells: RNN, LSTM, GRU (PyTorch gate order, names and layouts). */
export { RecurrentBase } from './driver.js';
export { RNN, LSTM, GRU } from './layers.js';
export { RecurrentCellBase, RNNCell, LSTMCell, GRUCell } from './cells.js';
export { type CellKind, type CellWeights, type RNNNonlinearity, rnnKind, lstmKind, gruKind } from './kinds.js';
export type { CellParameters } from './weights.js';
export type { RecurrentCellOptions, RNNCellOptions, RecurrentOptions, RNNOptions, SequenceOptions } from './options.js';
