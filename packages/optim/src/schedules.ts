import { ConfigError } from './errors.js';
import { checkNumber, type Optimizer } from './optimizer.js';

/** What a schedule's `stateDict()` returns (plain numbers; JSON-serialisable). */
export interface ScheduleStateDict {
  readonly [key: string]: unknown;
}

/**
 * Base of the closed-form schedules. At construction it records each group's current lr as
 * its base lr α and sets lr(0); every `step()` advances t by one and sets each group's lr
 * to `lrAt(t, α)`. Call `optimizer.step()` first, then `schedule.step()` (PyTorch order).
 */
export abstract class LRSchedule {
  /** Each group's lr when the schedule was created (α). */
  readonly baseLrs: number[];
  /** Steps taken (t). */
  t = 0;
  /** The lrs set by the last step (or construction). */
  lastLr: number[];

  constructor(readonly optimizer: Optimizer) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.lastLr = [...this.baseLrs];
  }

  /** The lr at step t for a group whose base lr is `base`. */
  abstract lrAt(t: number, base: number): number;

  /** Sets lr(t) on the optimizer's groups. */
  protected apply(): void {
    this.lastLr = this.baseLrs.map((b) => this.lrAt(this.t, b));
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.lastLr[i]));
  }

  /** Advances one step and updates the groups' lr. */
  step(): void {
    this.t++;
    this.apply();
  }

  /** The current lr of each group. */
  getLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): ScheduleStateDict {
    return { t: this.t, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  loadStateDict(sd: ScheduleStateDict): void {
    const t = sd.t;
    const base = sd.baseLrs;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || !Array.isArray(base) || base.length !== this.baseLrs.length) {
      throw new ConfigError(`${this.constructor.name}.loadStateDict: expected { t, baseLrs } for ${this.baseLrs.length} groups.`);
    }
    this.t = t;
    base.forEach((b, i) => (this.baseLrs[i] = b as number));
    this.apply();
  }
}

/** η(t) = α. */
export class ConstantLR extends LRSchedule {
  constructor(optimizer: Optimizer) {
    super(optimizer);
    this.apply();
  }
  lrAt(_t: number, base: number): number {
    return base;
  }
}

/** η(t) = α·γ^⌊t/stepSize⌋. */
export class StepLR extends LRSchedule {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkNumber('stepSize', opts.stepSize, (x) => Number.isInteger(x) && x > 0, 'a positive integer', 'StepLR');
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    checkNumber('gamma', this.gamma, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', 'StepLR');
    this.apply();
  }
  lrAt(t: number, base: number): number {
    return base * this.gamma ** Math.floor(t / this.stepSize);
  }
}

/** η(t) = α·γ^(number of milestones ≤ t). */
export class MultiStepLR extends LRSchedule {
  readonly milestones: number[];
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { milestones: readonly number[]; gamma?: number }) {
    super(optimizer);
    const ms = [...(opts.milestones ?? [])];
    ms.forEach((m, i) => checkNumber(`milestones[${i}]`, m, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer', 'MultiStepLR'));
    for (let i = 1; i < ms.length; i++) if (ms[i] <= ms[i - 1]) throw new ConfigError(`MultiStepLR: milestones must increase (got ` +
      `[${ms.join(', ')}]).`);
    this.milestones = ms;
    this.gamma = opts.gamma ?? 0.1;
    checkNumber('gamma', this.gamma, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', 'MultiStepLR');
    this.apply();
  }
  lrAt(t: number, base: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= t).length;
  }
}

/** Exponential decay η(t) = α·e^(−βt) (α: the group's base lr). */
export class ExponentialDecayLR extends LRSchedule {
  readonly beta: number;
  constructor(optimizer: Optimizer, opts: { beta: number }) {
    super(optimizer);
    checkNumber('beta', opts.beta, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', 'ExponentialDecayLR');
    this.beta = opts.beta;
    this.apply();
  }
  lrAt(t: number, base: number): number {
    return base * Math.exp(-this.beta * t);
  }
}

/**
 * Polynomial (inverse) decay η(t) = α/(β+t)^γ (α: the group's base lr; defaults β = 1,
 * γ = 1, so η(0) = α and η(t) = α/(1+t)).
 */
export class InverseDecayLR extends LRSchedule {
  readonly beta: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, opts: { beta?: number; gamma?: number } = {}) {
    super(optimizer);
    this.beta = opts.beta ?? 1;
    this.gamma = opts.gamma ?? 1;
    checkNumber('beta', this.beta, (x) => x > 0 && Number.isFinite(x), 'a finite number > 0', 'InverseDecayLR');
    checkNumber('gamma', this.gamma, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', 'InverseDecayLR');
    this.apply();
  }
  lrAt(t: number, base: number): number {
    return base / (this.beta + t) ** this.gamma;
  }
}

/** Cosine annealing η(t) = ηmin + (α − ηmin)(1 + cos(πt/tMax))/2 (PyTorch's closed form). */
export class CosineAnnealingLR extends LRSchedule {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, opts: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkNumber('tMax', opts.tMax, (x) => Number.isInteger(x) && x > 0, 'a positive integer', 'CosineAnnealingLR');
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    checkNumber('etaMin', this.etaMin, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', 'CosineAnnealingLR');
    this.apply();
  }
  lrAt(t: number, base: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/**
 * Linear warmup: η(t) = α·(t+1)/warmupSteps for t < warmupSteps, then the `then` schedule
 * at t − warmupSteps (or α when there is none). Build `then` on the same optimizer first
 * and do not step it yourself: `new LinearWarmupLR(opt, { warmupSteps: 5, then: new
 * CosineAnnealingLR(opt, { tMax: 100 }) })`.
 */
export class LinearWarmupLR extends LRSchedule {
  readonly warmupSteps: number;
  readonly then: LRSchedule | null;
  constructor(optimizer: Optimizer, opts: { warmupSteps: number; then?: LRSchedule }) {
    super(optimizer);
    checkNumber('warmupSteps', opts.warmupSteps, (x) => Number.isInteger(x) && x > 0, 'a positive integer', 'LinearWarmupLR');
    this.warmupSteps = opts.warmupSteps;
    this.then = opts.then ?? null;
    if (this.then) {
      if (this.then.optimizer !== optimizer) throw new ConfigError('LinearWarmupLR: `then` must schedule the same optimizer.');
      // `then` has already set its lr(0) on the groups; the base lrs it recorded are the originals.
      this.then.baseLrs.forEach((b, i) => (this.baseLrs[i] = b));
    }
    this.apply();
  }
  lrAt(t: number, base: number): number {
    if (t < this.warmupSteps) return (base * (t + 1)) / this.warmupSteps;
    return this.then ? this.then.lrAt(t - this.warmupSteps, base) : base;
  }
}

/** ReduceLROnPlateau options (PyTorch's defaults). */
export interface ReduceOnPlateauOptions {
  /** 'min': lower metric is better (loss); 'max': higher is better (accuracy). */
  mode: 'min' | 'max';
  /** lr ← max(lr·factor, minLr); factor < 1. */
  factor: number;
  /** Bad steps tolerated before reducing. */
  patience: number;
  /** Improvement needed to count as better. */
  threshold: number;
  /** 'rel': better than best·(1∓threshold); 'abs': better than best ∓ threshold. */
  thresholdMode: 'rel' | 'abs';
  /** Steps to wait after a reduction before counting bad steps again. */
  cooldown: number;
  /** Lower bound of each group's lr (a number or one per group). */
  minLr: number | readonly number[];
  /** Reductions smaller than eps are skipped. */
  eps: number;
}

/**
 * Reduces every group's lr by `factor` when the metric passed to `step(metric)` has not
 * improved for more than `patience` steps (torch.optim.lr_scheduler.ReduceLROnPlateau).
 */
export class ReduceLROnPlateau {
  readonly opts: ReduceOnPlateauOptions;
  readonly minLrs: number[];
  best: number;
  numBadSteps = 0;
  cooldownCounter = 0;
  t = 0;
  lastLr: number[];

  constructor(readonly optimizer: Optimizer, opts: Partial<ReduceOnPlateauOptions> = {}) {
    const o: ReduceOnPlateauOptions = {
      mode: 'min',
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 0,
      minLr: 0,
      eps: 1e-8,
      ...opts,
    };
    const who = 'ReduceLROnPlateau';
    if (o.mode !== 'min' && o.mode !== 'max') throw new ConfigError(`${who}: unknown mode '${String(o.mode)}'; use 'min' or 'max'.`);
    if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs') throw new ConfigError(`${who}: unknown thresholdMode ` +
      `'${String(o.thresholdMode)}'; use 'rel' or 'abs'.`);
    checkNumber('factor', o.factor, (x) => x >= 0 && x < 1, 'in [0, 1)', who);
    checkNumber('patience', o.patience, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer', who);
    checkNumber('cooldown', o.cooldown, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer', who);
    checkNumber('threshold', o.threshold, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', who);
    checkNumber('eps', o.eps, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', who);
    const n = optimizer.paramGroups.length;
    const mins = typeof o.minLr === 'number' ? new Array<number>(n).fill(o.minLr) : [...o.minLr];
    if (mins.length !== n) throw new ConfigError(`${who}: minLr has ${mins.length} values but the optimizer has ${n} groups.`);
    mins.forEach((m, i) => checkNumber(`minLr[${i}]`, m, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', who));
    this.opts = o;
    this.minLrs = mins;
    this.best = o.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.opts;
    if (mode === 'min') return thresholdMode === 'rel' ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return thresholdMode === 'rel' ? a > this.best * (1 + threshold) : a > this.best + threshold;
  }

  /** Records one epoch's metric and reduces the lrs if it has plateaued. */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) throw new ConfigError(`ReduceLROnPlateau.step: metric must be a number (got ` +
      `${String(metric)}).`);
    this.t++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadSteps = 0;
    } else {
      this.numBadSteps++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadSteps = 0;
    }
    if (this.numBadSteps > this.opts.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.opts.factor, this.minLrs[i]);
        if (g.lr - next > this.opts.eps) g.lr = next;
      });
      this.cooldownCounter = this.opts.cooldown;
      this.numBadSteps = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): ScheduleStateDict {
    return { t: this.t, best: this.best, numBadSteps: this.numBadSteps, cooldownCounter: this.cooldownCounter, lastLr: [...this.lastLr] };
  }

  /** Restores the counters (the lrs themselves are restored by the optimizer's loadStateDict). */
  loadStateDict(sd: ScheduleStateDict): void {
    for (const k of ['t', 'best', 'numBadSteps', 'cooldownCounter'] as const) {
      if (typeof sd[k] !== 'number' && !(k === 'best' && sd[k] === null)) throw new ConfigError(`ReduceLROnPlateau.loadStateDict: '${k}' ` +
        `must be a number.`);
    }
    this.t = sd.t as number;
    // JSON turns ±Infinity into null.
    this.best = sd.best === null ? (this.opts.mode === 'min' ? Infinity : -Infinity) : (sd.best as number);
    this.numBadSteps = sd.numBadSteps as number;
    this.cooldownCounter = sd.cooldownCounter as number;
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
}
