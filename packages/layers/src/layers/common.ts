import {
  DTypeError,
  FUSED_ACTIVATIONS,
  Parameter,
  biasActivation,
  noGrad,
  relu,
  sigmoid,
  tanh,
  tidy,
  type FusedActivation,
  type Tensor,
} from '@tessera/core';
import { type ShapePattern, expectFloat, expectShape } from '../check.js';
import { LayerConfigError } from '../errors.js';
import { type FloatDType, type Initializer, uniform } from '../init.js';
import { param } from '../module.js';

/** Options every layer with parameters accepts (PyTorch's `dtype=` argument). */
export interface LayerOptions {
  /** Dtype of the parameters (and of the inputs the layer accepts). Default 'float32'. */
  readonly dtype?: FloatDType;
}

/** The `activation` option of `Linear` and the convolutions (Keras' `Dense(units, activation=…)`). */
export interface ActivationOption {
  /**
   * Applied after the bias: 'linear' (none, the default), 'relu', 'sigmoid' or 'tanh'. With
   * a bias the layer runs core's fused `biasActivation` (one kernel forward; the gradient
   * from the output, dbias summed in place), without one the activation op alone.
   */
  readonly activation?: FusedActivation;
}

/** Checks the `activation` option; throws a LayerConfigError naming the layer and the choices. */
export function activationOption(layer: string, v: string | undefined): FusedActivation {
  const a = v ?? 'linear';
  if (!(FUSED_ACTIVATIONS as readonly string[]).includes(a)) {
    throw new LayerConfigError(`${layer}: activation must be one of ${FUSED_ACTIVATIONS.map((x) => `'${x}'`).join(', ')} but got ` +
      `${JSON.stringify(v)}; apply other activations as their own layer.`);
  }
  return a as FusedActivation;
}

const ACTIVATE: Readonly<Record<FusedActivation, (y: Tensor) => Tensor>> = { linear: (y) => y, relu, sigmoid, tanh };

/**
 * A layer's epilogue: act(y + bias) along `axis` as core's fused composite when there is
 * a bias (so backends run one kernel), else the activation alone.
 */
export function biasThenActivate(y: Tensor, bias: Tensor | null, axis: number, activation: FusedActivation): Tensor {
  return bias ? biasActivation(y, bias, { axis, activation }) : ACTIVATE[activation](y);
}

/** A size per spatial axis: one number for all, or one per axis. */
export type SizeArg<R extends number> = number | (R extends 1 ? readonly [number] : readonly [number, number]);

/** Expands a size argument to one value per axis, checking each is an integer ≥ `min`. */
export function tuple(
  layer: string,
  what: string,
  v: number | readonly number[] | undefined,
  rank: number,
  dflt: number,
  min = 1,
): number[] {
  const out = v === undefined ? new Array<number>(rank).fill(dflt) : typeof v === 'number' ? new Array<number>(rank).fill(v) : [...v];
  if (out.length !== rank || out.some((d) => !Number.isInteger(d) || d < min)) {
    throw new LayerConfigError(
      `${layer}: ${what} must be ${rank === 1 ? 'an integer' : `an integer or ${rank} integers`} ≥ ${min} but got ${JSON.stringify(v)}.`,
    );
  }
  return out;
}

/** Checks a count option (features, channels) is a positive integer. */
export function positive(layer: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new LayerConfigError(`${layer}: ${what} must be a positive integer but got ${v}.`);
  return v;
}

/** Checks a probability option lies in [0, 1] (or [0, 1) with `open`). */
export function probability(layer: string, p: number, open = false): number {
  if (!(p >= 0 && (open ? p < 1 : p <= 1))) {
    throw new LayerConfigError(`${layer}: p must be in [0, ${open ? '1)' : '1]'} but got ${p}.`);
  }
  return p;
}

/**
 * Validates a layer input: floating point, of the layer's dtype, and matching one of the
 * shape patterns (the error names the layer, the expected and the actual shape).
 */
export function checkInput(layer: string, x: Tensor, dtype: FloatDType | null, patterns: readonly ShapePattern[], hint = ''): void {
  expectFloat(layer, x);
  if (dtype !== null && x.dtype !== dtype) {
    throw new DTypeError(
      `${layer}: parameters are ${dtype} but the input is ${x.dtype}; cast the input with .cast('${dtype}') or build the layer with { ` +
        `dtype: '${x.dtype}' }.`,
    );
  }
  expectShape(layer, x, patterns, hint);
}

/** Creates a parameter of `shape` from an initializer. */
export function makeParam(shape: readonly number[], init: Initializer, dtype: FloatDType): Parameter {
  return param(init(shape, { dtype }));
}

/**
 * PyTorch's default for Linear and convolutions (`reset_parameters`): weight
 * kaiming_uniform(a=√5), which is U(±1/√fanIn), and bias U(±1/√fanIn), where fanIn is
 * what one output sums over (in_features, or in/groups·∏kernel; for transposed convs
 * PyTorch uses weight.shape[1]·∏kernel).
 */
export function defaultWeightAndBias(
  weightShape: readonly number[],
  biasShape: readonly number[] | null,
  fanIn: number,
  dtype: FloatDType,
): { weight: Parameter; bias: Parameter | null } {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  const init = uniform(-bound, bound);
  return { weight: makeParam(weightShape, init, dtype), bias: biasShape ? makeParam(biasShape, init, dtype) : null };
}

/** Formats a per-axis option for `extraRepr` like PyTorch: `(2, 2)` or `2`. */
export function fmtTuple(v: readonly number[]): string {
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`;
}

/** The geometry a convolution prints in `toString()` (PyTorch's `extra_repr`: defaults left out). */
export interface ConvGeometry {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: 'valid' | 'same' | readonly number[];
  readonly outputPadding?: readonly number[];
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly bias: unknown;
}

/** `3, 16, kernelSize=(5, 5), stride=(1, 1), padding=(2, 2)` — only non-default options after the stride. */
export function convRepr(c: ConvGeometry): string {
  const nonZero = (v: readonly number[] | undefined) => v !== undefined && v.some((d) => d !== 0);
  const p = c.padding;
  const parts = [`${c.inChannels}, ${c.outChannels}, kernelSize=${fmtTuple(c.kernelSize)}`, `stride=${fmtTuple(c.stride)}`];
  if (typeof p === 'string' ? p !== 'valid' : nonZero(p)) parts.push(`padding=${typeof p === 'string' ? `'${p}'` : fmtTuple(p)}`);
  if (nonZero(c.outputPadding)) parts.push(`outputPadding=${fmtTuple(c.outputPadding ?? [])}`);
  if (c.dilation.some((d) => d !== 1)) parts.push(`dilation=${fmtTuple(c.dilation)}`);
  if (c.groups !== 1) parts.push(`groups=${c.groups}`);
  if (!c.bias) parts.push('bias=false');
  return parts.join(', ');
}

/**
 * `layer(x)·scale + shift` folded into the layer's parameters (weight rows scaled, bias
 * `bias·scale + shift`, created when absent). Returns the bias to store.
 */
export function foldAffine(
  label: string,
  layer: { readonly weight: Parameter; readonly bias: Parameter | null; readonly activation: FusedActivation },
  scale: Tensor,
  shift: Tensor,
): Parameter {
  const out = layer.weight.shape[0];
  if (layer.activation !== 'linear') {
    throw new LayerConfigError(
      `${label}: cannot fold a scale and shift after the layer: its activation '${layer.activation}' is applied first.`,
    );
  }
  if (scale.shape.length !== 1 || scale.shape[0] !== out || shift.shape.length !== 1 || shift.shape[0] !== out) {
    throw new LayerConfigError(
      `${label}: foldAffine needs scale and shift of shape [${out}] (got [${scale.shape.join(', ')}] and [${shift.shape.join(', ')}]).`,
    );
  }
  return noGrad(() =>
    tidy(() => {
      const rows = [out, ...layer.weight.shape.slice(1).map(() => 1)];
      const s = scale.cast(layer.weight.dtype);
      layer.weight.assign(layer.weight.mul(s.reshape(rows)));
      const b = layer.bias ? layer.bias.mul(s).add(shift) : shift.cast(layer.weight.dtype);
      return layer.bias ? layer.bias.assign(b) : new Parameter(b);
    }),
  );
}
