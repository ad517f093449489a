import { type Parameter, type Tensor, full, nextKey, noGrad, normalAt, rand, randn, tensor, tidy, uniformAt } from '@tessera/core';
import { LayerConfigError } from './errors.js';
import { normalCdf, normalQuantile } from './normal-math.js';

/** Float dtypes parameters use. */
export type FloatDType = 'float32' | 'float64';

/** Where and in what dtype an initializer creates its tensor. */
export interface InitOptions {
  readonly dtype?: FloatDType;
  /** Backend name; default: the default backend. */
  readonly backend?: string;
}

/** Makes a tensor of the given shape (a weight's initial value). All are seeded by `manualSeed`. */
export type Initializer = (shape: readonly number[], opts?: InitOptions) => Tensor;

/** Which fan the variance-scaling initializers keep: `fanIn` preserves forward, `fanOut` backward. */
export type FanMode = 'fanIn' | 'fanOut';

/** Nonlinearities `calculateGain` knows (PyTorch's names). */
export type Nonlinearity = 'linear' | 'conv' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/**
 * Fan-in and fan-out of a weight shape, as PyTorch computes them: `[out, in, ...kernel]`
 * → fanIn = in·∏kernel, fanOut = out·∏kernel. Needs at least 2 axes.
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new LayerConfigError(
      `init: fan in/out needs a weight with at least 2 axes but got shape [${shape.join(', ')}]; use uniform/normal/constant for biases.`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** The recommended gain for a nonlinearity (PyTorch's `calculate_gain`); `param` is leakyRelu's slope (0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const a = param ?? 0.01;
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu':
      return 3 / 4;
  }
}

const dt = (o?: InitOptions) => ({ dtype: o?.dtype ?? 'float32', backend: o?.backend }) as const;

/** All values `value`. */
export function constant(value: number): Initializer {
  return (shape, o) => full(shape, value, dt(o));
}
/** All zeros (PyTorch's default for biases of norm layers). */
export function zeros(): Initializer {
  return constant(0);
}
/** All ones (BatchNorm/LayerNorm weights). */
export function ones(): Initializer {
  return constant(1);
}

/** Uniform on [low, high). */
export function uniform(low = 0, high = 1): Initializer {
  return (shape, o) => noGrad(() => tidy(() => rand(shape, dt(o)).mul(high - low).add(low)));
}

/** Normal with the given mean and standard deviation. */
export function normal(mean = 0, std = 1): Initializer {
  return (shape, o) => noGrad(() => tidy(() => randn(shape, dt(o)).mul(std).add(mean)));
}

/**
 * Normal(mean, std) restricted to [low, high]. The bounds are absolute, as in PyTorch's
 * `trunc_normal_(mean, std, a, b)`; their default mean ± 2·std is TensorFlow/Keras'
 * `TruncatedNormal` (PyTorch's default a = −2, b = 2 barely truncates a small std).
 * Exact inverse-CDF sampling of seeded uniforms, so narrow or one-sided bounds cost nothing
 * extra; an interval in the upper tail is sampled as the mirror of the lower one, where Φ
 * keeps its relative precision (Φ(9) rounds to 1, Φ(−9) does not).
 */
export function truncatedNormal(mean = 0, std = 1, low = mean - 2 * std, high = mean + 2 * std): Initializer {
  if (!(high > low) || !(std > 0)) {
    throw new LayerConfigError(`truncatedNormal: needs std > 0 and high > low but got std=${std}, low=${low}, high=${high}.`);
  }
  const a = (low - mean) / std;
  const b = (high - mean) / std;
  // Sample z in [lo, hi] of the standard normal, then x = mean + sign·std·z.
  const sign = a + b > 0 ? -1 : 1;
  const [lo, hi] = sign > 0 ? [a, b] : [-b, -a];
  const pLo = normalCdf(lo);
  const pHi = normalCdf(hi);
  return (shape, o) => {
    const size = shape.reduce((n, d) => n * d, 1);
    const [k0, k1] = nextKey();
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      const x = mean + sign * std * normalQuantile(pLo + uniformAt(k0, k1, i) * (pHi - pLo));
      out[i] = Math.min(high, Math.max(low, x));
    }
    return tensor(out, { ...dt(o), shape: [...shape] });
  };
}

/** Glorot/Xavier uniform: U(±gain·√(6/(fanIn+fanOut))). */
export function xavierUniform(gain = 1): Initializer {
  return (shape, o) => {
    const { fanIn, fanOut } = fans(shape);
    const a = gain * Math.sqrt(6 / (fanIn + fanOut));
    return uniform(-a, a)(shape, o);
  };
}
/** Glorot/Xavier normal: N(0, gain²·2/(fanIn+fanOut)). */
export function xavierNormal(gain = 1): Initializer {
  return (shape, o) => {
    const { fanIn, fanOut } = fans(shape);
    return normal(0, gain * Math.sqrt(2 / (fanIn + fanOut)))(shape, o);
  };
}

/** Options of the He/Kaiming initializers (PyTorch's defaults: a = 0, fanIn, leakyRelu). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (0: ReLU). */
  readonly a?: number;
  readonly mode?: FanMode;
  readonly nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: readonly number[], k: KaimingOptions): number {
  const f = fans(shape);
  const fan = (k.mode ?? 'fanIn') === 'fanIn' ? f.fanIn : f.fanOut;
  return calculateGain(k.nonlinearity ?? 'leakyRelu', k.a ?? 0) / Math.sqrt(fan);
}
/** He/Kaiming uniform: U(±√3·gain/√fan). */
export function kaimingUniform(k: KaimingOptions = {}): Initializer {
  return (shape, o) => {
    const bound = Math.sqrt(3) * kaimingStd(shape, k);
    return uniform(-bound, bound)(shape, o);
  };
}
/** He/Kaiming normal: N(0, gain²/fan). */
export function kaimingNormal(k: KaimingOptions = {}): Initializer {
  return (shape, o) => normal(0, kaimingStd(shape, k))(shape, o);
}

/** LeCun uniform: U(±√(3/fanIn)) (SELU networks, LeCun's 1998 recommendation). */
export function lecunUniform(): Initializer {
  return kaimingUniform({ nonlinearity: 'linear' });
}
/** LeCun normal: N(0, 1/fanIn). */
export function lecunNormal(): Initializer {
  return kaimingNormal({ nonlinearity: 'linear' });
}

/**
 * A (semi-)orthogonal matrix scaled by `gain` (Saxe et al.; PyTorch's `orthogonal_`):
 * the weight is viewed as [shape[0], rest] and its rows (or columns) are orthonormal.
 * Computed by modified Gram–Schmidt on seeded normal draws.
 */
export function orthogonal(gain = 1): Initializer {
  return (shape, o) => {
    if (shape.length < 2) throw new LayerConfigError(`orthogonal: needs a weight with at least 2 axes but got [${shape.join(', ')}].`);
    const rows = shape[0];
    const cols = shape.slice(1).reduce((a, b) => a * b, 1);
    // Orthonormalise the columns of the tall orientation (n ≥ m), then transpose back.
    const [n, m] = rows >= cols ? [rows, cols] : [cols, rows];
    const [k0, k1] = nextKey();
    const q = new Float64Array(n * m);
    for (let i = 0; i < n * m; i++) q[i] = normalAt(k0, k1, i);
    for (let j = 0; j < m; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i * m + p] * q[i * m + j];
        for (let i = 0; i < n; i++) q[i * m + j] -= dot * q[i * m + p];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += q[i * m + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) q[i * m + j] /= norm;
    }
    const out = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[r * m + c] : q[c * m + r]);
    }
    return tensor(out, { ...dt(o), shape: [...shape] });
  };
}

/**
 * Re-initialises a parameter in place (PyTorch's `nn.init.xxx_(w)`).
 *
 * @example
 * initialize(layer.weight, xavierUniform());
 */
export function initialize(p: Parameter, init: Initializer): Parameter {
  noGrad(() => {
    const v = init(p.shape, { dtype: p.dtype as FloatDType, backend: p.backend });
    p.assign(v);
    v.dispose();
  });
  return p;
}
