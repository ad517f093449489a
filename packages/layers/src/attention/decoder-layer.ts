import { type Tensor, tidy } from '@tessera/core';
import { describeModule } from '../config/record.js';
import { positive, probability } from '../layers/common.js';
import { Linear } from '../layers/linear.js';
import { Dropout } from '../layers/noise.js';
import { Module } from '../module.js';
import { snakeCase } from '../norm/config.js';
import { LayerNorm } from '../norm/layernorm.js';
import { copyWeightsInto } from './copy.js';
import type { TransformerEncoderLayerOptions } from './encoder-layer.js';
import { type TransformerActivation, feedForward, transformerActivation } from './feed-forward.js';
import { MultiheadAttention } from './multihead.js';

/** Options of `TransformerDecoderLayer`: the same as the encoder layer's (PyTorch's `nn.TransformerDecoderLayer` arguments). */
export type TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

/**
 * Per-call masks of the decoder layer and stack (PyTorch's `tgt_mask`, `memory_mask`,
 * `tgt_key_padding_mask`, `memory_key_padding_mask`, `tgt_is_causal`). Bool masks are true
 * where attention is NOT allowed; float masks are added to the scores.
 */
export interface TransformerDecoderCallOptions {
  /** [T, T] or [N·nhead, T, T], on the target's self-attention. */
  readonly tgtMask?: Tensor;
  /** [T, S] or [N·nhead, T, S], on the attention to the memory. */
  readonly memoryMask?: Tensor;
  /** [N, T]: true at padded target positions. */
  readonly tgtKeyPaddingMask?: Tensor;
  /** [N, S]: true at padded memory (source) positions. */
  readonly memoryKeyPaddingMask?: Tensor;
  /**
   * Causal self-attention: target position i sees positions ≤ i, without building a mask
   * (core's causal attention; combines with `tgtMask`). Default false.
   */
  readonly tgtIsCausal?: boolean;
}

/**
 * One Transformer decoder block (Vaswani et al. 2017; PyTorch's `nn.TransformerDecoderLayer`
 * with its sub-module names, so a PyTorch state dict loads strictly): self-attention over
 * the target (`self_attn`), attention from the target to the encoder's output, the memory
 * (`multihead_attn`), and the feed-forward block (`linear1` → activation → `dropout` →
 * `linear2`), each added back to its input with `norm1`/`norm2`/`norm3` after each sum
 * (post-norm, the default) or before each block (`normFirst`); `dropout1`/`2`/`3` drop
 * each block's output.
 *
 * @example
 * const layer = new TransformerDecoderLayer(64, 4, { dimFeedforward: 256, batchFirst: true });
 * const y = layer.call(tgt, memory, { tgtIsCausal: true, memoryKeyPaddingMask: srcPad }); // [N, T, 64]
 */
export class TransformerDecoderLayer extends Module<[Tensor, Tensor, TransformerDecoderCallOptions?], Tensor> {
  readonly selfAttn: MultiheadAttention;
  readonly multiheadAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  readonly normFirst: boolean;
  readonly activation: TransformerActivation;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    /** The options it was built with (what `clone()` rebuilds from). */
    readonly options: TransformerDecoderLayerOptions = {},
  ) {
    super();
    const opts = options;
    positive('TransformerDecoderLayer', 'dModel', dModel);
    const ff = positive('TransformerDecoderLayer', 'dimFeedforward', opts.dimFeedforward ?? 2048);
    const p = probability('TransformerDecoderLayer', opts.dropout ?? 0.1, true);
    this.activation = transformerActivation('TransformerDecoderLayer', opts.activation);
    this.normFirst = opts.normFirst ?? false;
    const dtype = opts.dtype ?? 'float32';
    const eps = opts.layerNormEps ?? 1e-5;
    const attention = () => new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: opts.batchFirst, dtype });
    this.selfAttn = attention();
    this.multiheadAttn = attention();
    this.linear1 = new Linear(dModel, ff, { dtype });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { dtype });
    this.norm1 = new LayerNorm(dModel, { eps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps, dtype });
    this.norm3 = new LayerNorm(dModel, { eps, dtype });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    describeModule(this, 'TransformerDecoderLayer', [dModel, nhead, opts], { owner: TransformerDecoderLayer });
  }

  protected override fieldKey(field: string): string {
    return snakeCase(field);
  }

  /** A new layer with the same options, weights (copied) and mode (what `TransformerDecoder` stacks). */
  clone(): TransformerDecoderLayer {
    return copyWeightsInto(this, new TransformerDecoderLayer(this.dModel, this.nhead, this.options));
  }

  /** `tgt` [T, N, E] ([N, T, E] with batchFirst, [T, E] unbatched), `memory` [S, N, E] likewise → the target's shape. */
  forward(tgt: Tensor, memory: Tensor, opts: TransformerDecoderCallOptions = {}): Tensor {
    const selfAttend = (x: Tensor) =>
      this.dropout1.call(
        this.selfAttn.call(x, x, x, { attnMask: opts.tgtMask, keyPaddingMask: opts.tgtKeyPaddingMask, isCausal: opts.tgtIsCausal }),
      );
    const crossAttend = (x: Tensor) =>
      this.dropout2.call(
        this.multiheadAttn.call(x, memory, memory, { attnMask: opts.memoryMask, keyPaddingMask: opts.memoryKeyPaddingMask }),
      );
    const ff = (x: Tensor) => this.dropout3.call(feedForward(this, x));
    return tidy(() => {
      if (this.normFirst) {
        let x = tgt.add(selfAttend(this.norm1.call(tgt)));
        x = x.add(crossAttend(this.norm2.call(x)));
        return x.add(ff(this.norm3.call(x)));
      }
      let x = this.norm1.call(tgt.add(selfAttend(tgt)));
      x = this.norm2.call(x.add(crossAttend(x)));
      return this.norm3.call(x.add(ff(x)));
    });
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, activation='${this.activation}', normFirst=${this.normFirst}`;
  }
}
