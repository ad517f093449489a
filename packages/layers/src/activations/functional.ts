/**
 * Activation functions (PyTorch's `torch.nn.functional`). Those core has as ops are its
 * own functions; the rest are composed from core ops, so autograd (to any order) works.
 *
 * @example
 * import { functional as F } from '@tessera/layers';
 * F.softplus(x, 2);          // (1/2)·log(1 + e^{2x})
 * F.gelu(x, 'tanh');         // the tanh approximation
 * F.prelu(x, weight);        // learnable negative slope
 */
import { ShapeError, type Tensor, fmtShape, gelu as geluExact, softplus as softplusOp, tidy, where } from '@tessera/core';

export { relu, leakyRelu, elu, sigmoid, tanh, softmax, logSoftmax } from '@tessera/core';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, x·Φ(x). `approximate: 'tanh'` uses 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))),
 * as PyTorch's `approximate='tanh'`; the default is exact (erf).
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate === 'none') return geluExact(x);
  return tidy(() => x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh().add(1).mul(x).mul(0.5));
}

/**
 * Softplus (1/β)·log(1 + e^{βx}), reverting to x where βx > threshold (PyTorch's
 * `softplus(x, beta=1, threshold=20)`), computed stably.
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return tidy(() => {
    const bx = beta === 1 ? x : x.mul(beta);
    const soft = beta === 1 ? softplusOp(bx) : softplusOp(bx).div(beta);
    return where(bx.greater(threshold), x, soft);
  });
}

/**
 * PReLU: x where x > 0, weight·x elsewhere. `weight` is 1-d with one slope for all
 * channels or one per channel (axis 1 of x; inputs of rank < 2 have one channel).
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  const channels = x.rank < 2 ? 1 : x.shape[1];
  if (weight.rank !== 1 || (weight.size !== 1 && weight.size !== channels)) {
    throw new ShapeError(
      `prelu: weight ${fmtShape(weight.shape)} must be [1] or [C] with C = ${channels}, the channels (axis 1) of the input ` +
        `${fmtShape(x.shape)}.`,
    );
  }
  return tidy(() => {
    const w = weight.size === 1 ? weight : weight.reshape([1, channels, ...new Array<number>(x.rank - 2).fill(1)]);
    return where(x.greater(0), x, x.mul(w));
  });
}

/**
 * SiLU (swish), x·σ(x) (Elfwing et al. 2017; PyTorch's `F.silu`): LLaMA's and SwiGLU's
 * activation. Composed from core's sigmoid and mul, so its gradient σ(x)(1 + x(1 − σ(x)))
 * comes from autograd.
 */
export function silu(x: Tensor): Tensor {
  return tidy(() => x.mul(x.sigmoid()));
}

/** The Gaussian bump exp(−x²) (an RBF-style activation). */
export function gaussian(x: Tensor): Tensor {
  return tidy(() => x.square().neg().exp());
}

/** The identity: a view of x (no copy; disposing it leaves x alive). */
export function identity(x: Tensor): Tensor {
  return x.reshape(x.shape);
}
