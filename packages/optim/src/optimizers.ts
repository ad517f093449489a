import { type Parameter, type Tensor, maximum, zerosLike, fullLike } from '@tessera/core';
import { ConfigError } from './errors.js';
import { adamStep, ema, emaSquare, sgdStep } from './fused.js';
import { type BaseGroupOptions, Optimizer, type ParamGroup, type ParamsInput, type ParamState, checkNumber } from './optimizer.js';

const nonNeg = (x: number) => x >= 0 && Number.isFinite(x);
const unit = (x: number) => x >= 0 && x < 1;

function num(state: ParamState, key: string): number {
  return (state[key] as number | undefined) ?? 0;
}

// ------------------------------------------------------------------------------------ SGD

/** SGD options (PyTorch's defaults). */
export interface SGDOptions extends BaseGroupOptions {
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Dampening τ for momentum (default 0). */
  dampening: number;
  /** Nesterov momentum (requires momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
}

/**
 * Stochastic gradient descent (torch.optim.SGD):
 * g ← g + λθ; b ← g (first step) or μb + (1−τ)g; g ← g + μb (nesterov) or b; θ ← θ − ηg.
 */
export class SGD extends Optimizer<SGDOptions> {
  protected readonly label = 'SGD';
  static readonly defaults: SGDOptions = { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, clipValue: null };
  constructor(params: ParamsInput<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    super(params, { ...SGD.defaults, ...opts });
  }
  protected override validateGroup(g: ParamGroup<SGDOptions>, who: string): void {
    super.validateGroup(g, who);
    checkNumber('momentum', g.momentum, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('dampening', g.dampening, (x) => Number.isFinite(x), 'a finite number', who);
    checkNumber('weightDecay', g.weightDecay, nonNeg, 'a finite number ≥ 0', who);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new ConfigError(
        `${who}: nesterov requires momentum > 0 and dampening 0 (got momentum ${g.momentum}, dampening ${g.dampening}).`,
      );
    }
  }
  protected update(p: Parameter, grad: Tensor, g: ParamGroup<SGDOptions>, s: ParamState): Tensor {
    let d = grad;
    if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    if (g.momentum !== 0) {
      const prev = s.momentumBuffer as Tensor | undefined;
      const b = prev === undefined ? d : ema(prev, d, g.momentum, 1 - g.dampening);
      const buf = this.setState(p, s, 'momentumBuffer', b);
      d = g.nesterov ? d.add(buf.mul(g.momentum)) : buf;
    }
    // Read at every replay of a compiled step: the step count advances, the lr may be scheduled.
    return sgdStep(p, d, () => {
      s.step = num(s, 'step') + 1;
      return { lr: g.lr };
    });
  }
  override get compilable(): boolean {
    return true;
  }
}

// -------------------------------------------------------------------------------- AdaGrad

/** AdaGrad options. */
export interface AdaGradOptions extends BaseGroupOptions {
  /** lr decay η_d: the step size at step t is η / (1 + (t−1)η_d). */
  lrDecay: number;
  weightDecay: number;
  /** Starting value of the squared-gradient sum. */
  initialAccumulatorValue: number;
  eps: number;
}

/**
 * AdaGrad (torch.optim.Adagrad): η̃ = η/(1+(t−1)η_d); g ← g + λθ; s ← s + g²;
 * θ ← θ − η̃ g/(√s + ε).
 */
export class AdaGrad extends Optimizer<AdaGradOptions> {
  protected readonly label = 'AdaGrad';
  static readonly defaults: AdaGradOptions = {
    lr: 1e-2,
    lrDecay: 0,
    weightDecay: 0,
    initialAccumulatorValue: 0,
    eps: 1e-10,
    clipValue: null,
  };
  constructor(params: ParamsInput<AdaGradOptions>, opts: Partial<AdaGradOptions> = {}) {
    super(params, { ...AdaGrad.defaults, ...opts });
  }
  protected override validateGroup(g: ParamGroup<AdaGradOptions>, who: string): void {
    super.validateGroup(g, who);
    checkNumber('lrDecay', g.lrDecay, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('weightDecay', g.weightDecay, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('initialAccumulatorValue', g.initialAccumulatorValue, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('eps', g.eps, nonNeg, 'a finite number ≥ 0', who);
  }
  protected update(p: Parameter, grad: Tensor, g: ParamGroup<AdaGradOptions>, s: ParamState): Tensor {
    const t = num(s, 'step') + 1;
    s.step = t;
    const sum0 = (s.sum as Tensor | undefined) ?? fullLike(p, g.initialAccumulatorValue);
    const clr = g.lr / (1 + (t - 1) * g.lrDecay);
    let d = grad;
    if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    const sum = this.setState(p, s, 'sum', sum0.add(d.square()));
    return p.sub(d.div(sum.sqrt().add(g.eps)).mul(clr));
  }
}

// -------------------------------------------------------------------------------- RMSProp

/** RMSProp options. */
export interface RMSPropOptions extends BaseGroupOptions {
  /** Smoothing constant α of the squared-gradient average. */
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  /** Normalise by the centred second moment (an estimate of the variance). */
  centered: boolean;
}

/**
 * RMSProp (torch.optim.RMSprop): g ← g + λθ; v ← αv + (1−α)g²; ṽ = v − ḡ² with
 * ḡ ← αḡ + (1−α)g when centered; with momentum b ← μb + g/(√ṽ+ε), θ ← θ − ηb, else
 * θ ← θ − ηg/(√ṽ+ε).
 */
export class RMSProp extends Optimizer<RMSPropOptions> {
  protected readonly label = 'RMSProp';
  static readonly defaults: RMSPropOptions = {
    lr: 1e-2,
    alpha: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    momentum: 0,
    centered: false,
    clipValue: null,
  };
  constructor(params: ParamsInput<RMSPropOptions>, opts: Partial<RMSPropOptions> = {}) {
    super(params, { ...RMSProp.defaults, ...opts });
  }
  protected override validateGroup(g: ParamGroup<RMSPropOptions>, who: string): void {
    super.validateGroup(g, who);
    checkNumber('alpha', g.alpha, (x) => x >= 0 && x <= 1, 'in [0, 1]', who);
    checkNumber('eps', g.eps, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('weightDecay', g.weightDecay, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('momentum', g.momentum, nonNeg, 'a finite number ≥ 0', who);
  }
  protected update(p: Parameter, grad: Tensor, g: ParamGroup<RMSPropOptions>, s: ParamState): Tensor {
    s.step = num(s, 'step') + 1;
    let d = grad;
    if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    const v0 = (s.squareAvg as Tensor | undefined) ?? zerosLike(p);
    const v = this.setState(p, s, 'squareAvg', emaSquare(v0, d, g.alpha, 1 - g.alpha));
    let vt = v;
    if (g.centered) {
      const a0 = (s.gradAvg as Tensor | undefined) ?? zerosLike(p);
      const a = this.setState(p, s, 'gradAvg', ema(a0, d, g.alpha, 1 - g.alpha));
      vt = v.sub(a.square());
    }
    const denom = vt.sqrt().add(g.eps);
    if (g.momentum > 0) {
      const b0 = (s.momentumBuffer as Tensor | undefined) ?? zerosLike(p);
      const b = this.setState(p, s, 'momentumBuffer', b0.mul(g.momentum).add(d.div(denom)));
      return p.sub(b.mul(g.lr));
    }
    return p.sub(d.div(denom).mul(g.lr));
  }
}

// ------------------------------------------------------------------------------- AdaDelta

/** AdaDelta options. */
export interface AdaDeltaOptions extends BaseGroupOptions {
  /** Decay ρ of both running averages. */
  rho: number;
  eps: number;
  weightDecay: number;
}

/**
 * AdaDelta (torch.optim.Adadelta): g ← g + λθ; v ← ρv + (1−ρ)g²;
 * Δ = √(u+ε)/√(v+ε)·g; u ← ρu + (1−ρ)Δ²; θ ← θ − ηΔ (η defaults to 1).
 */
export class AdaDelta extends Optimizer<AdaDeltaOptions> {
  protected readonly label = 'AdaDelta';
  static readonly defaults: AdaDeltaOptions = { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, clipValue: null };
  constructor(params: ParamsInput<AdaDeltaOptions>, opts: Partial<AdaDeltaOptions> = {}) {
    super(params, { ...AdaDelta.defaults, ...opts });
  }
  protected override validateGroup(g: ParamGroup<AdaDeltaOptions>, who: string): void {
    super.validateGroup(g, who);
    checkNumber('rho', g.rho, (x) => x >= 0 && x <= 1, 'in [0, 1]', who);
    checkNumber('eps', g.eps, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('weightDecay', g.weightDecay, nonNeg, 'a finite number ≥ 0', who);
  }
  protected update(p: Parameter, grad: Tensor, g: ParamGroup<AdaDeltaOptions>, s: ParamState): Tensor {
    s.step = num(s, 'step') + 1;
    let d = grad;
    if (g.weightDecay !== 0) d = d.add(p.mul(g.weightDecay));
    const v0 = (s.squareAvg as Tensor | undefined) ?? zerosLike(p);
    const u0 = (s.accDelta as Tensor | undefined) ?? zerosLike(p);
    const v = this.setState(p, s, 'squareAvg', emaSquare(v0, d, g.rho, 1 - g.rho));
    const delta = u0.add(g.eps).sqrt().div(v.add(g.eps).sqrt()).mul(d);
    this.setState(p, s, 'accDelta', emaSquare(u0, delta, g.rho, 1 - g.rho));
    return p.sub(delta.mul(g.lr));
  }
}

// ----------------------------------------------------------------------------- Adam/AdamW

/** Adam / AdamW options. */
export interface AdamOptions extends BaseGroupOptions {
  /** [β1, β2], each in [0, 1). */
  betas: readonly [number, number];
  eps: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay θ ← θ − ηλθ. */
  weightDecay: number;
  /** Use the running maximum of v (AMSGrad). */
  amsgrad: boolean;
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;
  protected override validateGroup(g: ParamGroup<AdamOptions>, who: string): void {
    super.validateGroup(g, who);
    if (!Array.isArray(g.betas) || g.betas.length !== 2)
      throw new ConfigError(`${who}: betas must be [beta1, beta2] (got ${String(g.betas)}).`);
    checkNumber('betas[0]', g.betas[0], unit, 'in [0, 1)', who);
    checkNumber('betas[1]', g.betas[1], unit, 'in [0, 1)', who);
    checkNumber('eps', g.eps, nonNeg, 'a finite number ≥ 0', who);
    checkNumber('weightDecay', g.weightDecay, nonNeg, 'a finite number ≥ 0', who);
  }
  override get compilable(): boolean {
    return true;
  }
  protected update(p: Parameter, grad: Tensor, g: ParamGroup<AdamOptions>, s: ParamState): Tensor {
    const [b1, b2] = g.betas;
    let theta: Tensor = p;
    let d = grad;
    if (g.weightDecay !== 0) {
      // θ·(1 − ηλ) exactly (θ·0 adds nothing), with η read at every replay of a compiled step.
      if (this.decoupled) theta = ema(p, p, () => ({ decay: 1 - g.lr * g.weightDecay, scale: 0 }));
      else d = d.add(p.mul(g.weightDecay));
    }
    const m0 = (s.expAvg as Tensor | undefined) ?? zerosLike(p);
    const v0 = (s.expAvgSq as Tensor | undefined) ?? zerosLike(p);
    const m = this.setState(p, s, 'expAvg', ema(m0, d, b1, 1 - b1));
    let v = this.setState(p, s, 'expAvgSq', emaSquare(v0, d, b2, 1 - b2));
    if (g.amsgrad) {
      const vmax0 = (s.maxExpAvgSq as Tensor | undefined) ?? zerosLike(p);
      v = this.setState(p, s, 'maxExpAvgSq', maximum(vmax0, v));
    }
    return adamStep(theta, m, v, () => {
      const t = (s.step = num(s, 'step') + 1);
      return { lr: g.lr, eps: g.eps, bc1: 1 - b1 ** t, bc2: 1 - b2 ** t };
    });
  }
}

/**
 * Adam (torch.optim.Adam): g ← g + λθ; m ← β1m + (1−β1)g; v ← β2v + (1−β2)g²;
 * m̂ = m/(1−β1ᵗ); v̂ = v/(1−β2ᵗ) (AMSGrad: vmax ← max(vmax, v), v̂ = vmax/(1−β2ᵗ));
 * θ ← θ − η m̂/(√v̂ + ε).
 */
export class Adam extends AdamBase {
  protected readonly label = 'Adam';
  protected readonly decoupled = false;
  static readonly defaults: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, clipValue: null };
  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { ...Adam.defaults, ...opts });
  }
}

/**
 * AdamW (torch.optim.AdamW): θ ← θ − ηλθ (decoupled weight decay, default λ = 0.01), then
 * the Adam update without the L2 term.
 */
export class AdamW extends AdamBase {
  protected readonly label = 'AdamW';
  protected readonly decoupled = true;
  static readonly defaults: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, clipValue: null };
  constructor(params: ParamsInput<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { ...AdamW.defaults, ...opts });
  }
}

