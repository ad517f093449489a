import { ShapeError, type Tensor, concat, fmtShape, stack, tensor, tidy } from '@tessera/core';
import { expectFloat } from '../check.js';
import { describeModule } from '../config/record.js';
import { LayerConfigError } from '../errors.js';
import { positive } from '../layers/common.js';
import { Module } from '../module.js';

/** Options of rotary position embedding. */
export interface RotaryOptions {
  /** θ_i = base^(−2i/d) (default 10000, the paper's). */
  readonly base?: number;
  /**
   * Which features form the rotated pairs: (x₂ᵢ, x₂ᵢ₊₁), the RoFormer paper's and Meta's
   * LLaMA code's (default true), or (xᵢ, x_{i+d/2}), GPT-NeoX's and Hugging Face LLaMA's
   * `rotate_half` (false). Use the layout the checkpoint was trained with.
   */
  readonly interleaved?: boolean;
}

/** Per-call options of rotary embedding. */
export interface RotaryCallOptions {
  /** Position of the first element (default 0); with a key/value cache, the cached length. */
  readonly offset?: number;
}

/** cos and sin of m·θᵢ for m = offset … offset+L−1 and i < d/2, computed in float64: [L, d/2] each. */
function angles(l: number, d: number, base: number, offset: number, like: Tensor): { cos: Tensor; sin: Tensor } {
  const half = d / 2;
  const cos = new Float64Array(l * half);
  const sin = new Float64Array(l * half);
  for (let m = 0; m < l; m++) {
    for (let i = 0; i < half; i++) {
      const a = (offset + m) * base ** (-(2 * i) / d);
      cos[m * half + i] = Math.cos(a);
      sin[m * half + i] = Math.sin(a);
    }
  }
  const opts = { shape: [l, half], dtype: like.dtype, backend: like.backend };
  return { cos: tensor(cos, opts), sin: tensor(sin, opts) };
}

/**
 * Rotary position embedding (RoPE; Su et al. 2021, RoFormer, eq. 34): rotates each pair of
 * features (a, b) of the vector at position m by the angle m·θᵢ, θᵢ = base^(−2i/d):
 * (a cos mθᵢ − b sin mθᵢ, a sin mθᵢ + b cos mθᵢ). Applied to queries and keys (not values)
 * before attention, it makes q·k depend on positions only through their difference.
 * `x` is [..., L, d] (e.g. [N, heads, L, headDim]) with d even; positions run along axis −2.
 *
 * @example
 * const q2 = applyRotary(q, { offset: cacheLength }); // q: [N, H, L, D]
 */
export function applyRotary(x: Tensor, opts: RotaryOptions & RotaryCallOptions = {}): Tensor {
  expectFloat('applyRotary', x);
  const d = x.shape[x.rank - 1];
  if (x.rank < 2 || d % 2 !== 0) {
    throw new ShapeError(`applyRotary: expected [..., L, d] with an even feature size d (pairs are rotated) but got ${fmtShape(x.shape)}.`);
  }
  const base = opts.base ?? 10000;
  const offset = opts.offset ?? 0;
  if (!(base > 0)) throw new LayerConfigError(`applyRotary: base must be positive but got ${base}.`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new LayerConfigError(`applyRotary: offset must be a non-negative integer but got ${offset}.`);
  const last = x.rank - 1;
  const half = d / 2;
  return tidy(() => {
    const { cos, sin } = angles(x.shape[x.rank - 2], d, base, offset, x);
    // The two members of each pair as [..., L, d/2], and how to put the rotated ones back.
    const interleaved = opts.interleaved ?? true;
    const pairs = interleaved ? x.reshape([...x.shape.slice(0, -1), half, 2]) : x;
    const [a, b] = interleaved
      ? [pairs.narrow(last + 1, 0, 1).squeeze(last + 1), pairs.narrow(last + 1, 1, 1).squeeze(last + 1)]
      : [x.narrow(last, 0, half), x.narrow(last, half, half)];
    const ra = a.mul(cos).sub(b.mul(sin));
    const rb = a.mul(sin).add(b.mul(cos));
    return interleaved ? stack([ra, rb], last + 1).reshape(x.shape) : concat([ra, rb], last);
  });
}

/**
 * `applyRotary` as a module (no parameters, nothing saved), to sit in a model's tree:
 * `rope.call(q)`, `rope.call(k)` on [..., L, dim] per-head vectors.
 *
 * @example
 * const rope = new RotaryEmbedding(64);            // head size 64
 * const [qr, kr] = [rope.call(q), rope.call(k)];   // then scaledDotProductAttention(qr, kr, v)
 */
export class RotaryEmbedding extends Module<[Tensor, RotaryCallOptions?], Tensor> {
  readonly base: number;
  readonly interleaved: boolean;

  constructor(readonly dim: number, opts: RotaryOptions = {}) {
    super();
    positive('RotaryEmbedding', 'dim', dim);
    if (dim % 2 !== 0) throw new LayerConfigError(`RotaryEmbedding: dim must be even (pairs are rotated) but got ${dim}.`);
    this.base = opts.base ?? 10000;
    if (!(this.base > 0)) throw new LayerConfigError(`RotaryEmbedding: base must be positive but got ${this.base}.`);
    this.interleaved = opts.interleaved ?? true;
    describeModule(this, 'RotaryEmbedding', [dim, opts], { owner: RotaryEmbedding });
  }

  forward(x: Tensor, opts: RotaryCallOptions = {}): Tensor {
    if (x.shape[x.rank - 1] !== this.dim) {
      throw new ShapeError(`RotaryEmbedding(${this.dim}): expected input of shape [..., L, ${this.dim}] but got ${fmtShape(x.shape)}.`);
    }
    return applyRotary(x, { base: this.base, interleaved: this.interleaved, offset: opts.offset });
  }

  override extraRepr(): string {
    return `dim=${this.dim}, base=${this.base}, interleaved=${this.interleaved}`;
  }
}
