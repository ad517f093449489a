import { ShapeError, type Tensor, fmtShape, noGrad, tidy } from '@tessera/core';
import { describeModule } from '../config/record.js';
import { xavierUniform } from '../init.js';
import { positive } from '../layers/common.js';
import { Module } from '../module.js';
import { LayerNorm } from '../norm/layernorm.js';
import { type TransformerDecoderCallOptions, TransformerDecoderLayer } from './decoder-layer.js';
import { TransformerEncoderLayer, type TransformerEncoderLayerOptions } from './encoder-layer.js';
import { generateSquareSubsequentMask } from './masks.js';
import { TransformerDecoder, TransformerEncoder } from './stacks.js';

/** Options of `Transformer` (PyTorch's `nn.Transformer` arguments, camelCase). */
export interface TransformerOptions extends TransformerEncoderLayerOptions {
  /** Model width E (default 512). */
  readonly dModel?: number;
  /** Attention heads; must divide dModel (default 8). */
  readonly nhead?: number;
  /** Encoder layers (default 6). */
  readonly numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  readonly numDecoderLayers?: number;
}

/** Per-call masks of `Transformer` (PyTorch's forward arguments); bool true = not allowed, float added. */
export interface TransformerCallOptions extends TransformerDecoderCallOptions {
  /** [S, S] or [N·nhead, S, S] on the encoder's self-attention. */
  readonly srcMask?: Tensor;
  /** [N, S]: true at padded source positions (in the encoder). Pass it as `memoryKeyPaddingMask` too to hide them from the decoder. */
  readonly srcKeyPaddingMask?: Tensor;
}

/**
 * The encoder–decoder Transformer (Vaswani et al. 2017; PyTorch's `nn.Transformer`, same
 * sub-module names `encoder.layers.i…`, `encoder.norm`, `decoder.layers.i…`, `decoder.norm`,
 * so a PyTorch state dict loads strictly). Both stacks end with a LayerNorm, as PyTorch's;
 * every weight matrix is re-drawn xavier-uniform (PyTorch's `_reset_parameters`). Input
 * and output embeddings, positional encodings and the output projection are the user's.
 *
 * @example
 * const model = new Transformer({ dModel: 64, nhead: 4, numEncoderLayers: 3, numDecoderLayers: 3, batchFirst: true });
 * const y = model.call(src, tgt, { tgtIsCausal: true, srcKeyPaddingMask: pad, memoryKeyPaddingMask: pad }); // [N, T, 64]
 */
export class Transformer extends Module<[Tensor, Tensor, TransformerCallOptions?], Tensor> {
  readonly encoder: TransformerEncoder;
  readonly decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(opts: TransformerOptions = {}) {
    super();
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, ...layerOpts } = opts;
    this.dModel = positive('Transformer', 'dModel', dModel);
    this.nhead = positive('Transformer', 'nhead', nhead);
    this.batchFirst = layerOpts.batchFirst ?? false;
    const norm = () => new LayerNorm(dModel, { eps: layerOpts.layerNormEps ?? 1e-5, dtype: layerOpts.dtype });
    const encoderLayer = new TransformerEncoderLayer(dModel, nhead, layerOpts);
    this.encoder = new TransformerEncoder(encoderLayer, positive('Transformer', 'numEncoderLayers', numEncoderLayers), { norm: norm() });
    encoderLayer.dispose();
    const decoderLayer = new TransformerDecoderLayer(dModel, nhead, layerOpts);
    this.decoder = new TransformerDecoder(decoderLayer, positive('Transformer', 'numDecoderLayers', numDecoderLayers), { norm: norm() });
    decoderLayer.dispose();
    this.resetParameters();
    describeModule(this, 'Transformer', [opts], { owner: Transformer });
  }

  /** Re-draws every parameter with more than one axis xavier-uniform (PyTorch's `_reset_parameters`). */
  resetParameters(): void {
    noGrad(() => tidy(() => {
      for (const p of this.parameters()) if (p.rank > 1) p.assign(xavierUniform()(p.shape, { dtype: p.dtype as 'float32' | 'float64' }));
    }));
  }

  /** The causal float mask [size, size] (−∞ above the diagonal), PyTorch's static method of the same name. */
  static generateSquareSubsequentMask(size: number, opts: { readonly dtype?: 'float32' | 'float64' } = {}): Tensor {
    return generateSquareSubsequentMask(size, opts);
  }

  /** `src` [S, N, E] and `tgt` [T, N, E] ([N, ·, E] with batchFirst; unbatched [S, E], [T, E]) → [T, N, E]. */
  forward(src: Tensor, tgt: Tensor, opts: TransformerCallOptions = {}): Tensor {
    const label = `Transformer(dModel=${this.dModel}, nhead=${this.nhead})`;
    const layout = this.batchFirst ? '[N, S, E] and [N, T, E]' : '[S, N, E] and [T, N, E] (batchFirst: true for [N, S, E])';
    if (src.rank !== tgt.rank || (src.rank === 3 && src.shape[this.batchFirst ? 0 : 1] !== tgt.shape[this.batchFirst ? 0 : 1])) {
      throw new ShapeError(
        `${label}: src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must have the same batch size; layout ${layout}.`,
      );
    }
    if (src.shape[src.rank - 1] !== this.dModel || tgt.shape[tgt.rank - 1] !== this.dModel) {
      throw new ShapeError(`${label}: the feature size of src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)} must be dModel = ` +
        `${this.dModel}; embed the tokens to ${this.dModel} features first.`);
    }
    return tidy(() => {
      const memory = this.encoder.call(src, { srcMask: opts.srcMask, srcKeyPaddingMask: opts.srcKeyPaddingMask });
      return this.decoder.call(tgt, memory, opts);
    });
  }

  override extraRepr(): string {
    return `dModel=${this.dModel}, nhead=${this.nhead}, batchFirst=${this.batchFirst}`;
  }
}
