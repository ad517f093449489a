import { type Tensor, tidy } from '@tessera/core';
import { describeModule } from '../config/record.js';
import type { FloatDType } from '../init.js';
import { Module } from '../module.js';
import { positive, probability } from '../layers/common.js';
import { Linear } from '../layers/linear.js';
import { Dropout } from '../layers/noise.js';
import { LayerNorm } from '../norm/layernorm.js';
import { snakeCase } from '../norm/config.js';
import { copyWeightsInto } from './copy.js';
import { type TransformerActivation, feedForward, transformerActivation } from './feed-forward.js';
import { MultiheadAttention } from './multihead.js';

/** Options of `TransformerEncoderLayer` (PyTorch's `nn.TransformerEncoderLayer` arguments). */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  readonly dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on the attention weights (default 0.1). */
  readonly dropout?: number;
  /** Feed-forward activation (default 'relu'). */
  readonly activation?: 'relu' | 'gelu';
  /** LayerNorm epsilon (default 1e-5). */
  readonly layerNormEps?: number;
  /** [N, L, E] instead of [L, N, E] (default false). */
  readonly batchFirst?: boolean;
  /** Pre-norm (LayerNorm before attention and feed-forward) instead of post-norm (default false). */
  readonly normFirst?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: FloatDType;
}

/** Per-call masks of `TransformerEncoderLayer` (PyTorch's `src_mask`, `src_key_padding_mask`). */
export interface TransformerEncoderLayerCallOptions {
  /** [L, L] or [N·nhead, L, L]: bool true = may not attend, or float added to the scores. */
  readonly srcMask?: Tensor;
  /** [N, L]: true at padded positions. */
  readonly srcKeyPaddingMask?: Tensor;
}

/**
 * One Transformer encoder block (Vaswani et al. 2017; PyTorch's `nn.TransformerEncoderLayer`
 * with its sub-module names, so a PyTorch state dict loads strictly): self-attention
 * (`self_attn`) and a feed-forward block (`linear1` → activation → `dropout` → `linear2`),
 * each added back to its input, with `norm1`/`norm2` after each sum (post-norm, the
 * default) or before each block (`normFirst`). `dropout1`/`dropout2` drop each block's output.
 *
 * @example
 * const layer = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true });
 * const y = layer.call(x, { srcKeyPaddingMask: pad });  // [N, L, 64] → [N, L, 64]
 */
export class TransformerEncoderLayer extends Module<[Tensor, TransformerEncoderLayerCallOptions?], Tensor> {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: TransformerActivation;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    /** The options it was built with (what `clone()` rebuilds from). */
    readonly options: TransformerEncoderLayerOptions = {},
  ) {
    super();
    const opts = options;
    positive('TransformerEncoderLayer', 'dModel', dModel);
    const ff = positive('TransformerEncoderLayer', 'dimFeedforward', opts.dimFeedforward ?? 2048);
    const p = probability('TransformerEncoderLayer', opts.dropout ?? 0.1, true);
    this.activation = transformerActivation('TransformerEncoderLayer', opts.activation);
    this.normFirst = opts.normFirst ?? false;
    const dtype = opts.dtype ?? 'float32';
    const eps = opts.layerNormEps ?? 1e-5;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: opts.batchFirst, dtype });
    this.linear1 = new Linear(dModel, ff, { dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { dtype });
    this.norm1 = new LayerNorm(dModel, { eps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    describeModule(this, 'TransformerEncoderLayer', [dModel, nhead, opts], { owner: TransformerEncoderLayer });
  }

  /**
   * A new layer with the same options, weights (copied) and mode: what PyTorch's
   * `TransformerEncoder` deep-copies for each of its layers.
   */
  clone(): TransformerEncoderLayer {
    return copyWeightsInto(this, new TransformerEncoderLayer(this.dModel, this.nhead, this.options));
  }

  protected override fieldKey(field: string): string {
    return snakeCase(field);
  }

  forward(src: Tensor, opts: TransformerEncoderLayerCallOptions = {}): Tensor {
    const attend = (x: Tensor) =>
      this.dropout1.call(this.selfAttn.call(x, x, x, { attnMask: opts.srcMask, keyPaddingMask: opts.srcKeyPaddingMask }));
    const ff = (x: Tensor) => this.dropout2.call(feedForward(this, x));
    return tidy(() => {
      if (this.normFirst) {
        const x = src.add(attend(this.norm1.call(src)));
        return x.add(ff(this.norm2.call(x)));
      }
      const x = this.norm1.call(src.add(attend(src)));
      return this.norm2.call(x.add(ff(x)));
    });
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, activation='${this.activation}', normFirst=${this.normFirst}`;
  }
}
