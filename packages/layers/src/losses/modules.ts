import { type Tensor, fmtShape, isTensor } from '@tessera/core';
import { Module } from '../module.js';
import { bceLoss, bceWithLogitsLoss, type BCEOptions, type BCEWithLogitsOptions } from './binary.js';
import { crossEntropyLoss, nllLoss, type CrossEntropyOptions, type NLLOptions } from './classification.js';
import { klDivLoss, klSparsityPenalty, type KLDivOptions, type KLSparsityOptions } from './divergence.js';
import { exponentialLoss, hingeLoss, logisticLoss, squaredHingeLoss } from './margin.js';
import { contrastiveLoss, tripletMarginLoss, type ContrastiveOptions, type TripletMarginOptions } from './embedding.js';
import type { ReductionOptions } from './reduce.js';
import { huberLoss, l1Loss, mseLoss, smoothL1Loss, type HuberOptions, type SmoothL1Options } from './regression.js';

/**
 * Base of the loss modules (PyTorch's `nn.MSELoss`, …): holds the options it was built
 * with and calls the matching loss function in `forward`. Tensors in the options (class
 * weights) stay owned by the caller.
 */
export abstract class Loss<In extends Tensor[] = [Tensor, Tensor], O extends object = ReductionOptions> extends Module<In, Tensor> {
  constructor(
    /** The options passed to the loss function on every call. */
    readonly options: O = {} as O,
  ) {
    super();
  }

  /** The options as `key=value`, tensors by shape: `HuberLoss(reduction='sum', delta=2)`. */
  override extraRepr(): string {
    return Object.entries(this.options)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${isTensor(v) ? fmtShape(v.shape) : typeof v === 'string' ? `'${v}'` : String(v)}`)
      .join(', ');
  }
}

/** The constructor type of a generated loss module. */
export interface LossClass<In extends Tensor[], O extends object> {
  new (options?: O): Loss<In, O>;
}

/** Generates a loss module class that calls `fn(inputs, options)`, named `name`. */
function lossModule<In extends Tensor[], O extends object>(name: string, fn: (inputs: In, options: O) => Tensor): LossClass<In, O> {
  const cls = class extends Loss<In, O> {
    forward(...inputs: In): Tensor {
      return fn(inputs, this.options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

type Pair = [input: Tensor, target: Tensor];
type Triple = [Tensor, Tensor, Tensor];

/** `mseLoss` as a module: `new MSELoss({ reduction }).call(pred, target)`. */
export const MSELoss = lossModule<Pair, ReductionOptions>('MSELoss', ([x, y], o) => mseLoss(x, y, o));
/** An `MSELoss` instance. */
export type MSELoss = Loss<Pair, ReductionOptions>;

/** `l1Loss` as a module. */
export const L1Loss = lossModule<Pair, ReductionOptions>('L1Loss', ([x, y], o) => l1Loss(x, y, o));
/** An `L1Loss` instance. */
export type L1Loss = Loss<Pair, ReductionOptions>;

/** `huberLoss` as a module: `new HuberLoss({ delta: 1 })`. */
export const HuberLoss = lossModule<Pair, HuberOptions>('HuberLoss', ([x, y], o) => huberLoss(x, y, o));
/** A `HuberLoss` instance. */
export type HuberLoss = Loss<Pair, HuberOptions>;

/** `smoothL1Loss` as a module: `new SmoothL1Loss({ beta: 1 })`. */
export const SmoothL1Loss = lossModule<Pair, SmoothL1Options>('SmoothL1Loss', ([x, y], o) => smoothL1Loss(x, y, o));
/** A `SmoothL1Loss` instance. */
export type SmoothL1Loss = Loss<Pair, SmoothL1Options>;

/** `crossEntropyLoss` as a module: `new CrossEntropyLoss({ labelSmoothing: 0.1 }).call(logits, labels)`. */
export const CrossEntropyLoss = lossModule<Pair, CrossEntropyOptions>('CrossEntropyLoss', ([x, y], o) => crossEntropyLoss(x, y, o));
/** A `CrossEntropyLoss` instance. */
export type CrossEntropyLoss = Loss<Pair, CrossEntropyOptions>;

/** `nllLoss` as a module. */
export const NLLLoss = lossModule<Pair, NLLOptions>('NLLLoss', ([x, y], o) => nllLoss(x, y, o));
/** An `NLLLoss` instance. */
export type NLLLoss = Loss<Pair, NLLOptions>;

/** `bceLoss` as a module (PyTorch's `nn.BCELoss`). */
export const BCELoss = lossModule<Pair, BCEOptions>('BCELoss', ([x, y], o) => bceLoss(x, y, o));
/** A `BCELoss` instance. */
export type BCELoss = Loss<Pair, BCEOptions>;

/** `bceWithLogitsLoss` as a module (PyTorch's `nn.BCEWithLogitsLoss`). */
export const BCEWithLogitsLoss = lossModule<Pair, BCEWithLogitsOptions>('BCEWithLogitsLoss', ([x, y], o) =>
  bceWithLogitsLoss(x, y, o),
);
/** A `BCEWithLogitsLoss` instance. */
export type BCEWithLogitsLoss = Loss<Pair, BCEWithLogitsOptions>;

/** `logisticLoss` as a module (labels ±1). */
export const LogisticLoss = lossModule<Pair, ReductionOptions>('LogisticLoss', ([f, y], o) => logisticLoss(f, y, o));
/** A `LogisticLoss` instance. */
export type LogisticLoss = Loss<Pair, ReductionOptions>;

/** `hingeLoss` as a module (labels ±1). */
export const HingeLoss = lossModule<Pair, ReductionOptions>('HingeLoss', ([f, y], o) => hingeLoss(f, y, o));
/** A `HingeLoss` instance. */
export type HingeLoss = Loss<Pair, ReductionOptions>;

/** `squaredHingeLoss` as a module (labels ±1). */
export const SquaredHingeLoss = lossModule<Pair, ReductionOptions>('SquaredHingeLoss', ([f, y], o) => squaredHingeLoss(f, y, o));
/** A `SquaredHingeLoss` instance. */
export type SquaredHingeLoss = Loss<Pair, ReductionOptions>;

/** `exponentialLoss` as a module (labels ±1). */
export const ExponentialLoss = lossModule<Pair, ReductionOptions>('ExponentialLoss', ([f, y], o) => exponentialLoss(f, y, o));
/** An `ExponentialLoss` instance. */
export type ExponentialLoss = Loss<Pair, ReductionOptions>;

/** `tripletMarginLoss` as a module: `call(anchor, positive, negative)`. */
export const TripletMarginLoss = lossModule<Triple, TripletMarginOptions>('TripletMarginLoss', ([a, p, n], o) =>
  tripletMarginLoss(a, p, n, o),
);
/** A `TripletMarginLoss` instance. */
export type TripletMarginLoss = Loss<Triple, TripletMarginOptions>;

/** `contrastiveLoss` as a module: `call(x1, x2, similar)` (1 = similar pair). */
export const ContrastiveLoss = lossModule<Triple, ContrastiveOptions>('ContrastiveLoss', ([a, b, y], o) => contrastiveLoss(a, b, y, o));
/** A `ContrastiveLoss` instance. */
export type ContrastiveLoss = Loss<Triple, ContrastiveOptions>;

/** `klDivLoss` as a module (PyTorch's `nn.KLDivLoss`): `call(logQ, target)`. */
export const KLDivLoss = lossModule<Pair, KLDivOptions>('KLDivLoss', ([x, y], o) => klDivLoss(x, y, o));
/** A `KLDivLoss` instance. */
export type KLDivLoss = Loss<Pair, KLDivOptions>;

/** `klSparsityPenalty` as a module: `call(hiddenActivations)`. */
export const KLSparsityPenalty = lossModule<[activations: Tensor], KLSparsityOptions>('KLSparsityPenalty', ([h], o) =>
  klSparsityPenalty(h, o),
);
/** A `KLSparsityPenalty` instance. */
export type KLSparsityPenalty = Loss<[activations: Tensor], KLSparsityOptions>;
