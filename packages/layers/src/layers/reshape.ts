import { describeModule } from '../config/record.js';
import { ShapeError, type Tensor, fmtShape, normAxis } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { Module } from '../module.js';

/**
 * Flattens axes startDim … endDim into one (PyTorch's `nn.Flatten`; defaults keep the
 * batch axis: [N, C, H, W] → [N, C·H·W]). A view: no copy.
 *
 * @example
 * new Flatten().call(x);        // [N, 16, 5, 5] → [N, 400]
 * new Flatten(0, -1).call(x);   // everything → [N·400]
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) {
      throw new LayerConfigError(`Flatten: startDim and endDim must be integers but got ${startDim} and ${endDim}.`);
    }
    describeModule(this, 'Flatten', [startDim, endDim], { owner: Flatten });
  }

  forward(x: Tensor): Tensor {
    const ok = (a: number) => a >= -x.rank && a < x.rank;
    if (!ok(this.startDim) || !ok(this.endDim)) {
      throw new ShapeError(`Flatten(startDim=${this.startDim}, endDim=${this.endDim}): input ${fmtShape(x.shape)} has only ${x.rank} ` +
        `axes; pass a tensor with more axes or change the dims.`);
    }
    const s = normAxis('Flatten', this.startDim, x.rank);
    const e = normAxis('Flatten', this.endDim, x.rank);
    if (s > e)
      throw new ShapeError(`Flatten: startDim (${this.startDim}) comes after endDim (${this.endDim}) for input ${fmtShape(x.shape)}.`);
    return x.flatten(s, e);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Reshapes every sample to `shape` (Keras' `Reshape`: the batch axis is kept and not
 * part of `shape`; one entry may be −1). A view: no copy.
 *
 * @example
 * new Reshape([1, 28, 28]).call(x); // [N, 784] → [N, 1, 28, 28]
 */
export class Reshape extends Module {
  readonly shape: readonly number[];

  constructor(shape: readonly number[]) {
    super();
    if (shape.some((d) => !Number.isInteger(d) || d < -1 || d === 0) || shape.filter((d) => d === -1).length > 1) {
      throw new LayerConfigError(`Reshape: target shape [${shape.join(', ')}] must hold positive integers and at most one -1.`);
    }
    this.shape = [...shape];
    describeModule(this, 'Reshape', [shape], { owner: Reshape });
  }

  forward(x: Tensor): Tensor {
    const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const known = this.shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const fits = this.shape.includes(-1) ? per % known === 0 : per === known;
    if (x.rank < 1 || !fits) {
      throw new ShapeError(
        `Reshape([${this.shape.join(', ')}]): cannot reshape input ${fmtShape(x.shape)} (${per} values per sample) to [N, ` +
          `${this.shape.join(', ')}]; the sizes must multiply to ${per}.`,
      );
    }
    return x.reshape([x.shape[0], ...this.shape]);
  }

  override extraRepr(): string {
    return `shape=[${this.shape.join(', ')}]`;
  }
}
