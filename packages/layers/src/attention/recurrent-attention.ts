import { DTypeError, ShapeError, type Tensor, fmtShape, matmul, softmax, tidy, where } from '@tessera/core';
import { checkInput, positive } from '../layers/common.js';
import { describeModule } from '../config/record.js';
import { LayerConfigError } from '../errors.js';
import type { FloatDType } from '../init.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../module.js';

/** Per-call options of `BahdanauAttention` and `LuongAttention`. */
export interface RecurrentAttentionCallOptions {
  /** Bool [N, S]: true at padded encoder positions, which get weight 0. */
  readonly keyPaddingMask?: Tensor;
  /** [N, S, Dv] to average instead of the keys (default: the keys, as in both papers). */
  readonly values?: Tensor;
}

/** What the attention modules return. */
export interface AttentionContext {
  /** Σₛ weightₛ·valueₛ: [N, Lq, Dv], or [N, Dv] for a 2-D query (one decoder step). */
  readonly context: Tensor;
  /** Softmax over the encoder positions: [N, Lq, S], or [N, S] for a 2-D query. */
  readonly weights: Tensor;
}

/** Checks query [N, Dq] or [N, Lq, Dq] and keys [N, S, Dk]; returns the query as 3-D and whether it was a single step. */
function checkQueryKeys(
  label: string,
  query: Tensor,
  keys: Tensor,
  querySize: number,
  keySize: number,
  dtype: FloatDType,
): { q: Tensor; step: boolean } {
  checkInput(
    label,
    query,
    dtype,
    [
      ['N', querySize],
      ['N', 'Lq', querySize],
    ],
    'This is the query (the decoder state): [N, querySize] for one step or [N, Lq, querySize].',
  );
  checkInput(label, keys, dtype, [['N', 'S', keySize]], 'These are the keys (the encoder outputs), batch first: [N, S, keySize].');
  if (keys.shape[0] !== query.shape[0])
    throw new ShapeError(`${label}: query ${fmtShape(query.shape)} and keys ${fmtShape(keys.shape)} must have the same batch size N.`);
  const step = query.rank === 2;
  return { q: step ? query.unsqueeze(1) : query, step };
}

/**
 * softmax(scores [N, Lq, S]) over S with padded keys at −∞, then the weighted sum of the
 * values: what both attention families share once their scores are computed.
 */
function attend(label: string, scores: Tensor, keys: Tensor, step: boolean, opts: RecurrentAttentionCallOptions): AttentionContext {
  const [n, , s] = scores.shape;
  const values = opts.values ?? keys;
  if (values.rank !== 3 || values.shape[0] !== n || values.shape[1] !== s) {
    throw new ShapeError(`${label}: values must be [N, S, Dv] = [${n}, ${s}, Dv] like the keys but are ${fmtShape(values.shape)}.`);
  }
  let masked = scores;
  const pad = opts.keyPaddingMask;
  if (pad) {
    if (pad.dtype !== 'bool') throw new DTypeError(`${label}: keyPaddingMask must be bool (true at padding) but is ${pad.dtype}.`);
    if (pad.rank !== 2 || pad.shape[0] !== n || pad.shape[1] !== s)
      throw new ShapeError(`${label}: keyPaddingMask must be [N, S] = [${n}, ${s}] but is ${fmtShape(pad.shape)}.`);
    masked = where(pad.unsqueeze(1), -Infinity, scores);
  }
  const weights = softmax(masked, -1);
  const context = matmul(weights, values);
  return step ? { context: context.squeeze(1), weights: weights.squeeze(1) } : { context, weights };
}

/** Options of `BahdanauAttention`. */
export interface BahdanauAttentionOptions {
  /** Features of the query (the decoder state; default hiddenSize). */
  readonly querySize?: number;
  /** Features of the keys (the encoder outputs; default hiddenSize). */
  readonly keySize?: number;
  /** Parameter dtype (default float32). */
  readonly dtype?: FloatDType;
}

/**
 * Additive attention (Bahdanau, Cho & Bengio 2015): score(q, kₛ) = Vaᵀ tanh(Wa q + Ua kₛ),
 * softmax over the encoder positions s, context = Σ weightₛ kₛ. Sub-modules `Wa`
 * (querySize → hiddenSize), `Ua` (keySize → hiddenSize) and `Va` (hiddenSize → 1), all
 * with bias, as PyTorch's seq2seq tutorial's `BahdanauAttention`, whose state dict loads.
 * Keys are batch-first [N, S, keySize].
 *
 * @example
 * const attn = new BahdanauAttention(128);
 * const { context, weights } = attn.call(decoderState, encoderOutputs, { keyPaddingMask: pad }); // [N, 128], [N, S]
 */
export class BahdanauAttention extends Module<[Tensor, Tensor, RecurrentAttentionCallOptions?], AttentionContext> {
  readonly Wa: Linear;
  readonly Ua: Linear;
  readonly Va: Linear;
  readonly querySize: number;
  readonly keySize: number;
  readonly dtype: FloatDType;

  constructor(readonly hiddenSize: number, opts: BahdanauAttentionOptions = {}) {
    super();
    positive('BahdanauAttention', 'hiddenSize', hiddenSize);
    this.querySize = positive('BahdanauAttention', 'querySize', opts.querySize ?? hiddenSize);
    this.keySize = positive('BahdanauAttention', 'keySize', opts.keySize ?? hiddenSize);
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    this.Wa = new Linear(this.querySize, hiddenSize, { dtype });
    this.Ua = new Linear(this.keySize, hiddenSize, { dtype });
    this.Va = new Linear(hiddenSize, 1, { dtype });
    describeModule(this, 'BahdanauAttention', [hiddenSize, opts], { owner: BahdanauAttention });
  }

  /** query [N, querySize] (one step) or [N, Lq, querySize]; keys [N, S, keySize]. */
  forward(query: Tensor, keys: Tensor, opts: RecurrentAttentionCallOptions = {}): AttentionContext {
    const label = `BahdanauAttention(${this.hiddenSize})`;
    const { q, step } = checkQueryKeys(label, query, keys, this.querySize, this.keySize, this.dtype);
    return tidy(() => {
      const energy = this.Wa.call(q).unsqueeze(2).add(this.Ua.call(keys).unsqueeze(1)).tanh(); // [N, Lq, S, H]
      return attend(label, this.Va.call(energy).squeeze(3), keys, step, opts);
    });
  }

  override extraRepr(): string {
    return `hiddenSize=${this.hiddenSize}, querySize=${this.querySize}, keySize=${this.keySize}`;
  }
}

/** Luong's score functions. */
export type LuongMethod = 'dot' | 'general' | 'concat';

/** Options of `LuongAttention`. */
export interface LuongAttentionOptions {
  /** 'dot' qᵀk (no parameters; keySize = querySize), 'general' qᵀ Wa k (default), or 'concat' Vaᵀ tanh(Wa [q; k]). */
  readonly method?: LuongMethod;
  /** Features of the keys (default querySize). */
  readonly keySize?: number;
  /** Width of the 'concat' score's hidden layer (default querySize). */
  readonly hiddenSize?: number;
  /** Parameter dtype (default float32). */
  readonly dtype?: FloatDType;
}

/**
 * Multiplicative ("global") attention (Luong, Pham & Manning 2015, §3.1) with its three
 * score functions: `dot` qᵀkₛ, `general` qᵀ Wa kₛ (`Wa`: keySize → querySize, no bias) and
 * `concat` Vaᵀ tanh(Wa [q; kₛ]) (`Wa`: querySize + keySize → hiddenSize, `Va`: hiddenSize → 1,
 * no biases); softmax over s; context = Σ weightₛ kₛ. The paper's attentional state
 * tanh(Wc [context; q]) is left to the decoder. Keys are batch-first [N, S, keySize].
 *
 * @example
 * const attn = new LuongAttention(256, { method: 'general' });
 * const { context, weights } = attn.call(decoderOutputs, encoderOutputs); // [N, T, 256], [N, T, S]
 */
export class LuongAttention extends Module<[Tensor, Tensor, RecurrentAttentionCallOptions?], AttentionContext> {
  readonly Wa: Linear | null;
  readonly Va: Linear | null;
  readonly method: LuongMethod;
  readonly keySize: number;
  readonly dtype: FloatDType;

  constructor(readonly querySize: number, opts: LuongAttentionOptions = {}) {
    super();
    positive('LuongAttention', 'querySize', querySize);
    this.keySize = positive('LuongAttention', 'keySize', opts.keySize ?? querySize);
    const method = (this.method = opts.method ?? 'general');
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    if (method === 'dot' && this.keySize !== querySize) {
      throw new LayerConfigError(
        `LuongAttention: method 'dot' needs keySize = querySize but got ${this.keySize} and ${querySize}; use 'general'.`,
      );
    }
    if (!['dot', 'general', 'concat'].includes(method))
      throw new LayerConfigError(`LuongAttention: method must be 'dot', 'general' or 'concat' but got '${String(method)}'.`);
    const hidden = positive('LuongAttention', 'hiddenSize', opts.hiddenSize ?? querySize);
    this.Wa = method === 'general' ? new Linear(this.keySize, querySize, { bias: false, dtype })
      : method === 'concat' ? new Linear(querySize + this.keySize, hidden, { bias: false, dtype }) : null;
    this.Va = method === 'concat' ? new Linear(hidden, 1, { bias: false, dtype }) : null;
    describeModule(this, 'LuongAttention', [querySize, opts], { owner: LuongAttention });
  }

  /** query [N, querySize] (one step) or [N, Lq, querySize]; keys [N, S, keySize]. */
  forward(query: Tensor, keys: Tensor, opts: RecurrentAttentionCallOptions = {}): AttentionContext {
    const label = `LuongAttention(${this.querySize}, '${this.method}')`;
    const { q, step } = checkQueryKeys(label, query, keys, this.querySize, this.keySize, this.dtype);
    return tidy(() => attend(label, this.scores(q, keys), keys, step, opts));
  }

  /** [N, Lq, S]. */
  private scores(q: Tensor, keys: Tensor): Tensor {
    if (this.method === 'dot') return matmul(q, keys, { transposeB: true });
    if (this.method === 'general') return matmul(q, this.Wa!.call(keys), { transposeB: true });
    // Wa [q; k] = Wa_q q + Wa_k k: split the weight instead of materialising every pair.
    const w = this.Wa!.weight;
    const wq = q.matmul(w.narrow(1, 0, this.querySize), { transposeB: true });
    const wk = keys.matmul(w.narrow(1, this.querySize, this.keySize), { transposeB: true });
    return this.Va!.call(wq.unsqueeze(2).add(wk.unsqueeze(1)).tanh()).squeeze(3);
  }

  override extraRepr(): string {
    return `${this.querySize}, method='${this.method}', keySize=${this.keySize}`;
  }
}
