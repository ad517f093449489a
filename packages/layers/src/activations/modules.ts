import { type Tensor, elu, leakyRelu, logSoftmax, relu, sigmoid, softmax, tanh } from '@tessera/core';
import { expectFloat } from '../check.js';
import { LayerConfigError } from '../errors.js';
import type { ModuleConfig } from '../config/record.js';
import { Module } from '../module.js';
import { gaussian, gelu, identity, silu, softplus } from './functional.js';

/** One activation, described once: its name, the function, and its positional arguments. */
export interface ActivationSpec<A extends unknown[]> {
  readonly name: string;
  readonly fn: (x: Tensor, ...args: A) => Tensor;
  /** Argument names, in PyTorch's positional order (shown by `toString()`). */
  readonly argNames: { readonly [K in keyof A]: string };
  readonly defaults: A;
  /** Returns what is wrong with the arguments, or null. */
  readonly check?: (...args: A) => string | null;
  /** Reject integer inputs (all but Identity). Default true. */
  readonly floatOnly?: boolean;
}

/**
 * Base of the activation modules: applies its spec's function with the module's
 * arguments (defaults filled in). Subclasses only declare their constructor.
 */
export abstract class Activation<A extends unknown[]> extends Module {
  /** The arguments, defaults filled in, in PyTorch's positional order. */
  readonly args: A;

  protected constructor(
    private readonly spec: ActivationSpec<A>,
    args: Partial<A>,
  ) {
    super();
    this.args = spec.defaults.map((d, i) => args[i] ?? d) as A;
    const problem = spec.check?.(...this.args);
    if (problem) throw new LayerConfigError(`${spec.name}: ${problem}`);
  }

  forward(x: Tensor): Tensor {
    if (this.spec.floatOnly !== false) expectFloat(this.spec.name, x);
    return this.spec.fn(x, ...this.args);
  }

  /**
   * `{ type: 'LeakyReLU', args: [0.2] }`: the spec's name and the arguments, defaults filled
   * in. A subclass of a built-in activation is not described by its parent's name.
   */
  override getConfig(): ModuleConfig {
    const registered: unknown = ACTIVATIONS[this.spec.name as keyof typeof ACTIVATIONS];
    if (registered !== Object.getPrototypeOf(this).constructor) return super.getConfig();
    return { type: this.spec.name, args: this.args as readonly (number | string)[] };
  }

  override extraRepr(): string {
    return this.args.map((a, i) => `${this.spec.argNames[i]}=${typeof a === 'string' ? `'${a}'` : String(a)}`).join(', ');
  }
}

/** Checks a spec's types (and infers nothing loosely, unlike a cast). */
const spec = <A extends unknown[]>(s: ActivationSpec<A>): ActivationSpec<A> => s;
const axisCheck = (axis: number) => (Number.isInteger(axis) ? null : `axis must be an integer but got ${axis}.`);
const plain = (name: string, fn: (x: Tensor) => Tensor, floatOnly = true): ActivationSpec<[]> => ({
  name,
  fn,
  argNames: [],
  defaults: [],
  floatOnly,
});

const SPECS = {
  relu: plain('ReLU', (x) => relu(x)),
  leakyRelu: spec<[number]>({ name: 'LeakyReLU', fn: leakyRelu, argNames: ['negativeSlope'], defaults: [0.01] }),
  elu: spec<[number]>({ name: 'ELU', fn: elu, argNames: ['alpha'], defaults: [1] }),
  gelu: spec<['none' | 'tanh']>({
    name: 'GELU',
    fn: gelu,
    argNames: ['approximate'],
    defaults: ['none'],
    check: (a) => (a === 'none' || a === 'tanh' ? null : `approximate must be 'none' or 'tanh' but got '${String(a)}'.`),
  }),
  sigmoid: plain('Sigmoid', (x) => sigmoid(x)),
  silu: plain('SiLU', silu),
  tanh: plain('Tanh', (x) => tanh(x)),
  softmax: spec<[number]>({ name: 'Softmax', fn: softmax, argNames: ['axis'], defaults: [-1], check: axisCheck }),
  logSoftmax: spec<[number]>({ name: 'LogSoftmax', fn: logSoftmax, argNames: ['axis'], defaults: [-1], check: axisCheck }),
  softplus: spec<[number, number]>({
    name: 'Softplus',
    fn: softplus,
    argNames: ['beta', 'threshold'],
    defaults: [1, 20],
    check: (beta) => (beta > 0 ? null : `beta must be positive but got ${beta}.`),
  }),
  identity: plain('Identity', identity, false),
  gaussian: plain('Gaussian', gaussian),
} as const;

/** max(x, 0) (PyTorch's `nn.ReLU`). @example new ReLU().call(x) */
export class ReLU extends Activation<[]> {
  constructor() {
    super(SPECS.relu, []);
  }
}

/** x if x > 0 else negativeSlope·x (default 0.01; PyTorch's `nn.LeakyReLU`). @example new LeakyReLU(0.2) */
export class LeakyReLU extends Activation<[number]> {
  constructor(negativeSlope?: number) {
    super(SPECS.leakyRelu, [negativeSlope]);
  }
}

/** x if x > 0 else alpha·(eˣ − 1) (default alpha 1; PyTorch's `nn.ELU`). @example new ELU(1) */
export class ELU extends Activation<[number]> {
  constructor(alpha?: number) {
    super(SPECS.elu, [alpha]);
  }
}

/** x·Φ(x), exact (PyTorch's `nn.GELU`); `new GELU('tanh')` uses the tanh approximation. @example new GELU() */
export class GELU extends Activation<['none' | 'tanh']> {
  constructor(approximate?: 'none' | 'tanh') {
    super(SPECS.gelu, [approximate]);
  }
}

/** 1/(1 + e⁻ˣ) (PyTorch's `nn.Sigmoid`). @example new Sigmoid() */
export class Sigmoid extends Activation<[]> {
  constructor() {
    super(SPECS.sigmoid, []);
  }
}

/** x·σ(x), also called swish (PyTorch's `nn.SiLU`). @example new SiLU() */
export class SiLU extends Activation<[]> {
  constructor() {
    super(SPECS.silu, []);
  }
}

/** tanh x (PyTorch's `nn.Tanh`). @example new Tanh() */
export class Tanh extends Activation<[]> {
  constructor() {
    super(SPECS.tanh, []);
  }
}

/** e^xᵢ / Σⱼ e^xⱼ along `axis` (default −1; PyTorch's `nn.Softmax(dim)`). @example new Softmax(1) */
export class Softmax extends Activation<[number]> {
  constructor(axis?: number) {
    super(SPECS.softmax, [axis]);
  }
}

/** log-softmax along `axis` (default −1), computed stably (PyTorch's `nn.LogSoftmax(dim)`). @example new LogSoftmax(1) */
export class LogSoftmax extends Activation<[number]> {
  constructor(axis?: number) {
    super(SPECS.logSoftmax, [axis]);
  }
}

/**
 * (1/β)·log(1 + e^{βx}), linear where βx > threshold (defaults β = 1, threshold = 20;
 * PyTorch's `nn.Softplus(beta, threshold)`).
 * @example new Softplus(2)
 */
export class Softplus extends Activation<[number, number]> {
  constructor(beta?: number, threshold?: number) {
    super(SPECS.softplus, [beta, threshold]);
  }
}

/** Returns its input (a view; PyTorch's `nn.Identity`), e.g. to switch a block off. Any dtype. @example new Identity() */
export class Identity extends Activation<[]> {
  constructor() {
    super(SPECS.identity, []);
  }
}

/** exp(−x²), the Gaussian bump activation. @example new Gaussian() */
export class Gaussian extends Activation<[]> {
  constructor() {
    super(SPECS.gaussian, []);
  }
}

/** The built-in activation modules by their names (what their configs' `type` says). */
export const ACTIVATIONS = { ReLU, LeakyReLU, ELU, GELU, Sigmoid, SiLU, Tanh, Softmax, LogSoftmax, Softplus, Identity, Gaussian } as const;
