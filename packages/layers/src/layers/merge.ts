import { ShapeError, type Tensor, concat, fmtShape, tidy } from '@tessera/core';
import { expectFloat } from '../check.js';
import { LayerConfigError } from '../errors.js';
import { Module } from '../module.js';

function shapes(xs: readonly Tensor[]): string {
  return xs.map((x) => fmtShape(x.shape)).join(', ');
}

function atLeastOne(layer: string, xs: readonly Tensor[]): void {
  if (xs.length === 0) throw new ShapeError(`${layer}: needs at least one input tensor.`);
  for (const x of xs) expectFloat(layer, x);
}

/**
 * Elementwise sum of several tensors of one shape (Keras' `Add`): the merge of a residual
 * block, `add.call(x, block.call(x))`. Takes any number of inputs.
 *
 * @example
 * const add = new Add();
 * const y = add.call(shortcut.call(x), body.call(x));
 */
export class Add extends Module<Tensor[], Tensor> {
  forward(...xs: Tensor[]): Tensor {
    atLeastOne('Add', xs);
    const first = xs[0].shape;
    if (xs.some((x) => x.shape.length !== first.length || x.shape.some((d, i) => d !== first[i]))) {
      throw new ShapeError(`Add: all inputs must have the same shape but got ${shapes(xs)}; project the shortcut (a 1×1 Conv2d) to match.`);
    }
    if (xs.length === 1) return xs[0].reshape(first);
    return tidy(() => xs.slice(1).reduce((acc, x) => acc.add(x), xs[0]));
  }
}

/**
 * Concatenation of several tensors along `axis` (default 1, the channels of NCHW: the
 * merge of an Inception block; Keras' `Concatenate`). The other axes must agree.
 *
 * @example
 * const cat = new Concat(1);
 * cat.call(branch1.call(x), branch2.call(x), branch3.call(x)); // channels add up
 */
export class Concat extends Module<Tensor[], Tensor> {
  constructor(readonly axis = 1) {
    super();
    if (!Number.isInteger(axis)) throw new LayerConfigError(`Concat: axis must be an integer but got ${axis}.`);
  }

  forward(...xs: Tensor[]): Tensor {
    atLeastOne(`Concat(axis=${this.axis})`, xs);
    const rank = xs[0].rank;
    const a = this.axis < 0 ? this.axis + rank : this.axis;
    const bad = a < 0 || a >= rank || xs.some((x) => x.rank !== rank || x.shape.some((d, i) => i !== a && d !== xs[0].shape[i]));
    if (bad) {
      throw new ShapeError(
        `Concat(axis=${this.axis}): inputs must have the same rank and agree on every axis but ${this.axis}; got ${shapes(xs)}.`,
      );
    }
    return concat(xs, a);
  }

  override extraRepr(): string {
    return `axis=${this.axis}`;
  }
}
