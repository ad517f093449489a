import {
  type Parameter,
  ShapeError,
  type Tensor,
  attentionWeights,
  dropout,
  fmtShape,
  matmul,
  noGrad,
  scaledDotProductAttention,
  tidy,
  zeros,
} from '@tessera/core';
import { describeModule } from '../config/record.js';
import { type FloatDType, xavierUniform } from '../init.js';
import { Module, param } from '../module.js';
import { checkInput, makeParam, positive, probability } from '../layers/common.js';
import { Linear } from '../layers/linear.js';
import { LayerConfigError } from '../errors.js';
import { snakeCase } from '../norm/config.js';
import { mergeMasks } from './masks.js';

/** Options of `MultiheadAttention` (PyTorch's `nn.MultiheadAttention` arguments). */
export interface MultiheadAttentionOptions {
  /** Learn `in_proj_bias` and `out_proj.bias` (default true). */
  readonly bias?: boolean;
  /** Dropout on the attention weights in training (default 0). */
  readonly dropout?: number;
  /** Features of the key input (default embedDim); ≠ embedDim gives separate q/k/v projection weights. */
  readonly kdim?: number;
  /** Features of the value input (default embedDim). */
  readonly vdim?: number;
  /** Inputs and output are [N, L, E] instead of PyTorch's default [L, N, E] (default false). */
  readonly batchFirst?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: FloatDType;
}

/** Per-call inputs of `MultiheadAttention` besides query, key and value. */
export interface MultiheadAttentionCallOptions {
  /** [N, S]: true (or −∞ when float) at keys to ignore, e.g. padding. */
  readonly keyPaddingMask?: Tensor;
  /** [L, S] or [N·numHeads, L, S]: bool true = may not attend, or float added to the scores. */
  readonly attnMask?: Tensor;
  /**
   * Mask keys after each query (key j > query i), top-left aligned, combined with the other
   * masks; runs core's causal attention instead of a materialised mask (default false).
   * PyTorch 2's `is_causal`, except that no `attnMask` is needed alongside it.
   */
  readonly isCausal?: boolean;
  /** With `forwardWithWeights`: average the weights over heads ([N, L, S], default) or not ([N, H, L, S]). */
  readonly averageAttnWeights?: boolean;
}

/** What `forwardWithWeights` returns. */
export interface AttentionResult {
  /** [L, N, E] ([N, L, E] with batchFirst; [L, E] for unbatched input). */
  readonly output: Tensor;
  /** Attention weights after dropout: [N, L, S] averaged over heads, or [N, H, L, S] (no N when unbatched). */
  readonly weights: Tensor;
}

/**
 * Multi-head attention (Vaswani et al. 2017; PyTorch's `nn.MultiheadAttention`, same
 * parameter names and layout so a PyTorch state dict loads strictly): each of `numHeads`
 * heads attends with core's `scaledDotProductAttention` over its embedDim/numHeads slice of
 * the projected query, key and value, and `out_proj` mixes the heads. Parameters:
 * `in_proj_weight` [3E, E] (q, k, v stacked; xavier-uniform) and `in_proj_bias` [3E]
 * (zeros), or `q_proj_weight` [E, E], `k_proj_weight` [E, kdim], `v_proj_weight` [E, vdim]
 * when kdim or vdim ≠ E; `out_proj.weight` [E, E], `out_proj.bias` [E] (zeros).
 * Masks follow this layer's PyTorch convention: bool true = masked out.
 *
 * @example
 * const mha = new MultiheadAttention(64, 8, { batchFirst: true });
 * const y = mha.call(x, x, x, { keyPaddingMask: pad });              // [N, L, 64]
 * const { output, weights } = mha.forwardWithWeights(q, k, v);     // weights [N, L, S]
 */
export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionCallOptions?], Tensor> {
  readonly inProjWeight: Parameter | null;
  readonly qProjWeight: Parameter | null;
  readonly kProjWeight: Parameter | null;
  readonly vProjWeight: Parameter | null;
  readonly inProjBias: Parameter | null;
  readonly outProj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly dtype: FloatDType;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    opts: MultiheadAttentionOptions = {},
  ) {
    super();
    positive('MultiheadAttention', 'embedDim', embedDim);
    positive('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0) {
      throw new LayerConfigError(
        `MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}; pick a head count that divides it.`,
      );
    }
    this.headDim = embedDim / numHeads;
    this.dropout = probability('MultiheadAttention', opts.dropout ?? 0, true);
    this.kdim = positive('MultiheadAttention', 'kdim', opts.kdim ?? embedDim);
    this.vdim = positive('MultiheadAttention', 'vdim', opts.vdim ?? embedDim);
    this.batchFirst = opts.batchFirst ?? false;
    const dtype = (this.dtype = opts.dtype ?? 'float32');
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    const w = (inDim: number) => makeParam([packed ? 3 * embedDim : embedDim, inDim], xavierUniform(), dtype);
    this.inProjWeight = packed ? w(embedDim) : null;
    this.qProjWeight = packed ? null : w(embedDim);
    this.kProjWeight = packed ? null : w(this.kdim);
    this.vProjWeight = packed ? null : w(this.vdim);
    const bias = opts.bias ?? true;
    this.inProjBias = bias ? param(zeros([3 * embedDim], { dtype })) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias, dtype });
    const outBias = this.outProj.bias;
    if (outBias) noGrad(() => tidy(() => outBias.assign(zeros([embedDim], { dtype })))); // PyTorch zeroes it
    describeModule(this, 'MultiheadAttention', [embedDim, numHeads, opts], { owner: MultiheadAttention });
  }

  protected override fieldKey(field: string): string {
    return snakeCase(field);
  }

  private get label(): string {
    return `MultiheadAttention(${this.embedDim}, heads=${this.numHeads})`;
  }

  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionCallOptions = {}): Tensor {
    return this.attend(query, key, value, opts, false).output;
  }

  /** `forward` that also returns the attention weights (PyTorch's `need_weights=True`). */
  forwardWithWeights(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionCallOptions = {}): AttentionResult {
    const { output, weights } = this.attend(query, key, value, opts, true);
    return { output, weights: weights! };
  }

  private attend(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    opts: MultiheadAttentionCallOptions,
    needWeights: boolean,
  ): { output: Tensor; weights: Tensor | null } {
    const batched = query.rank === 3;
    const lead = batched ? (this.batchFirst ? ['N', 'L'] : ['L', 'N']) : ['L'];
    const keyLead = lead.map((a) => (a === 'L' ? 'S' : a));
    checkInput(
      this.label,
      query,
      this.dtype,
      [[...lead, this.embedDim]],
      'This is the query' + (batched && !this.batchFirst ? ' (layout [L, N, E]; batchFirst: true for [N, L, E]).' : '.'),
    );
    checkInput(
      this.label,
      key,
      this.dtype,
      [[...keyLead, this.kdim]],
      'This is the key' + (batched && !this.batchFirst ? ' (layout [L, N, E]; batchFirst: true for [N, L, E]).' : '.'),
    );
    checkInput(
      this.label,
      value,
      this.dtype,
      [[...keyLead, this.vdim]],
      'This is the value' + (batched && !this.batchFirst ? ' (layout [L, N, E]; batchFirst: true for [N, L, E]).' : '.'),
    );
    return tidy(() => {
      // Work in [N, L, E]; unbatched input is a batch of one.
      const toNLE = (t: Tensor) => (!batched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
      const [q, k, v] = [query, key, value].map(toNLE);
      const [n, l, s] = [q.shape[0], q.shape[1], k.shape[1]];
      if (k.shape[0] !== n || v.shape[1] !== s) {
        throw new ShapeError(`${this.label}: query, key and value must share the batch size N, and key and value the length S, but got ` +
          `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)}, value ` +
            `${fmtShape(value.shape)}${this.batchFirst ? '' : ' (layout [L, N, E]; pass batchFirst: true for [N, L, E])'}.`);
      }
      const heads = (t: Tensor, i: number, len: number) =>
        this.project(t, i).reshape([n, len, this.numHeads, this.headDim]).transpose(1, 2);
      const [qh, kh, vh] = [heads(q, 0, l), heads(k, 1, s), heads(v, 2, s)]; // [N, H, len, D]
      const mask = mergeMasks(
        this.label,
        n,
        this.numHeads,
        l,
        s,
        this.dtype,
        opts.attnMask,
        batched ? opts.keyPaddingMask : opts.keyPaddingMask?.unsqueeze(0),
      );
      const p = this.training ? this.dropout : 0;
      const causal = opts.isCausal ?? false;
      let weights: Tensor | null = null;
      let o: Tensor;
      if (needWeights) {
        weights = dropout(attentionWeights(qh, kh, vh, { mask, causal }), p, p > 0);
        o = matmul(weights, vh);
        if (opts.averageAttnWeights ?? true) weights = weights.mean(1);
        if (!batched) weights = weights.squeeze(0);
      } else {
        o = scaledDotProductAttention(qh, kh, vh, { mask, causal, dropout: p });
      }
      let output = this.outProj.call(o.transpose(1, 2).reshape([n, l, this.embedDim]));
      output = !batched ? output.squeeze(0) : this.batchFirst ? output : output.transpose(0, 1);
      return { output, weights };
    });
  }

  /** The i-th input projection (0 query, 1 key, 2 value): x·Wᵢᵀ + bᵢ. */
  private project(x: Tensor, i: number): Tensor {
    const e = this.embedDim;
    const w = this.inProjWeight ? this.inProjWeight.narrow(0, i * e, e) : [this.qProjWeight, this.kProjWeight, this.vProjWeight][i]!;
    const y = x.matmul(w, { transposeB: true });
    return this.inProjBias ? y.add(this.inProjBias.narrow(0, i * e, e)) : y;
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, dropout=${this.dropout}, batchFirst=${this.batchFirst}` +
      (this.kdim !== this.embedDim || this.vdim !== this.embedDim ? `, kdim=${this.kdim}, vdim=${this.vdim}` : '');
  }
}
