import { ConfigError, type Parameter, type Tensor, noGrad, tidy } from '@tessera/core';
import { Module, expectShape, init, param } from '@tessera/layers';

/** Options of `RBF`. */
export interface RBFOptions {
  /** Initial width parameter γ of every unit (output exp(−γ‖x − c‖²)); default 1. */
  readonly gamma?: number;
  /** Centers start uniform on [−range, range) per input feature; default 1. */
  readonly centerRange?: number;
  /** Parameter dtype (float64 for gradient checks); default float32. */
  readonly dtype?: 'float32' | 'float64';
}

/**
 * A layer of Gaussian radial basis functions with learnable centers and widths:
 *
 *   y[n, j] = exp(−γⱼ · ‖x[n] − cⱼ‖²),   γⱼ = exp(logGammaⱼ) > 0
 *
 * on inputs `[N, inFeatures]` → `[N, units]`. Parameters (state-dict keys): `centers`
 * `[units, inFeatures]` and `log_gamma` `[units]` (γ is learnt in log space so it stays
 * positive). Default init: centers U(−1, 1), γ = 1 (seeded by `manualSeed`).
 *
 * Written as a third party would: only the public API of `@tessera/core` and
 * `@tessera/layers` (Module, param, init, expectShape); bad options throw core's `ConfigError`.
 *
 * @example
 * const net = new Sequential(new RBF(2, 24), new Linear(24, 1));
 */
export class RBF extends Module {
  readonly centers: Parameter;
  readonly logGamma: Parameter;

  constructor(
    readonly inFeatures: number,
    readonly units: number,
    opts: RBFOptions = {},
  ) {
    super();
    for (const [k, v] of [['inFeatures', inFeatures], ['units', units]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`RBF: ${k} must be a positive integer but is ${v}.`);
    }
    const gamma = opts.gamma ?? 1;
    if (!(gamma > 0)) throw new ConfigError(`RBF: gamma must be > 0 but is ${gamma}.`);
    const range = opts.centerRange ?? 1;
    const dtype = opts.dtype ?? 'float32';
    this.centers = param(init.uniform(-range, range)([units, inFeatures], { dtype }));
    this.logGamma = param(init.constant(Math.log(gamma))([units], { dtype }));
  }

  /** PyTorch-style snake_case key for `logGamma`. */
  protected override fieldKey(field: string): string {
    return field === 'logGamma' ? 'log_gamma' : field;
  }

  /** The current widths γ (a new tensor). */
  gamma(): Tensor {
    return noGrad(() => this.logGamma.exp());
  }

  forward(x: Tensor): Tensor {
    expectShape(`RBF(${this.inFeatures}→${this.units})`, x, [['N', this.inFeatures]], 'Pass a batch of feature vectors [N, inFeatures].');
    return tidy(() => {
      const n = x.shape[0];
      // [N, 1, in] − [1, units, in] → squared distances [N, units]
      const d2 = x.reshape([n, 1, this.inFeatures]).sub(this.centers.reshape([1, this.units, this.inFeatures])).square().sum(2);
      return d2.mul(this.logGamma.exp()).neg().exp();
    });
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, units=${this.units}`;
  }
}
