import { ShapeError, type Tensor, split } from '@tessera/core';

/** The weights of one cell (one layer and direction): PyTorch's `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`. */
export interface CellWeights {
  /** [gates·hidden, input]: the input projection of every gate, stacked in PyTorch's gate order. */
  readonly weightIh: Tensor;
  /** [gates·hidden, hidden]: the recurrent projection of every gate. */
  readonly weightHh: Tensor;
  /** [gates·hidden] or null when built with `bias: false`. */
  readonly biasIh: Tensor | null;
  /** [gates·hidden] or null when built with `bias: false`. */
  readonly biasHh: Tensor | null;
}

/**
 * One recurrent cell type, described once and shared by the cell module (`LSTMCell`) and
 * the multi-layer driver (`LSTM`). `S` is the state as users see it: `h` for RNN/GRU,
 * `[h, c]` for LSTM; internally a state is a list of [N, hidden] tensors, `h` first.
 */
export interface CellKind<S> {
  /** The layer's name (`'LSTM'`); cells append `Cell`. */
  readonly name: string;
  /** Number of stacked gates: 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n). */
  readonly gates: number;
  /** Names of the state tensors, `h` first (`['h']`, `['h', 'c']`). */
  readonly stateNames: readonly string[];
  /**
   * One time step. `gi` = x·W_ihᵀ + b_ih for all gates, [N, gates·H] (computed for every
   * time step at once by the caller); returns the new state.
   */
  step(gi: Tensor, state: readonly Tensor[], w: CellWeights): Tensor[];
  /** The user-facing state from the list. */
  pack(state: readonly Tensor[]): S;
  /** The list from the user-facing state (validates its structure). */
  unpack(state: S, layer: string): Tensor[];
}

/** h·W_hhᵀ + b_hh for all gates at once: the one matmul of a time step. */
function hiddenProjection(h: Tensor, w: CellWeights): Tensor {
  const gh = h.matmul(w.weightHh, { transposeB: true });
  return w.biasHh ? gh.add(w.biasHh) : gh;
}

const single = {
  stateNames: ['h'],
  pack: (state: readonly Tensor[]): Tensor => state[0],
  unpack: (state: Tensor): Tensor[] => [state],
} as const;

/** Nonlinearities of the Elman RNN. */
export type RNNNonlinearity = 'tanh' | 'relu';

/** Elman RNN: h' = act(W_ih x + b_ih + W_hh h + b_hh). */
export function rnnKind(nonlinearity: RNNNonlinearity): CellKind<Tensor> {
  return {
    ...single,
    name: 'RNN',
    gates: 1,
    step(gi, [h], w) {
      const pre = gi.add(hiddenProjection(h, w));
      return [nonlinearity === 'tanh' ? pre.tanh() : pre.relu()];
    },
  };
}

/**
 * LSTM (PyTorch's gate order i, f, g, o): i = σ(·), f = σ(·), g = tanh(·), o = σ(·) of
 * W_i* x + b_i* + W_h* h + b_h*; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c').
 */
export const lstmKind: CellKind<readonly [Tensor, Tensor]> = {
  name: 'LSTM',
  gates: 4,
  stateNames: ['h', 'c'],
  step(gi, [h, c], w) {
    const pre = gi.add(hiddenProjection(h, w));
    const hidden = h.shape[1];
    // One sigmoid over all four gates (g's share is unused) instead of three small ones.
    const [i, f, , o] = split(pre.sigmoid(), 4, 1);
    const g = pre.narrow(1, 2 * hidden, hidden).tanh();
    const c2 = f.mul(c).add(i.mul(g));
    return [o.mul(c2.tanh()), c2];
  },
  pack: (state) => [state[0], state[1]] as const,
  unpack(state, layer) {
    if (!Array.isArray(state) || state.length !== 2) {
      throw new ShapeError(`${layer}: the state must be a pair [h, c] of tensors; pass both or neither.`);
    }
    return [state[0], state[1]];
  },
};

/**
 * GRU (PyTorch's gate order r, z, n): r = σ(W_ir x + b_ir + W_hr h + b_hr),
 * z = σ(W_iz x + b_iz + W_hz h + b_hz), n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
 * h' = (1 − z) ⊙ n + z ⊙ h.
 */
export const gruKind: CellKind<Tensor> = {
  ...single,
  name: 'GRU',
  gates: 3,
  step(gi, [h], w) {
    const hidden = h.shape[1];
    const gh = hiddenProjection(h, w);
    const [giRZ, giN] = split(gi, [2 * hidden, hidden], 1);
    const [ghRZ, ghN] = split(gh, [2 * hidden, hidden], 1);
    const [r, z] = split(giRZ.add(ghRZ).sigmoid(), 2, 1);
    const n = giN.add(r.mul(ghN)).tanh();
    return [n.add(z.mul(h.sub(n)))]; // (1 − z)·n + z·h with one multiply
  },
};
