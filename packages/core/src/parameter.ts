import { BackendError, DTypeError, ShapeError, fmtShape } from './errors.js';
import { Tensor } from './tensor.js';
import { untrack } from './scope.js';

/**
 * A trainable tensor with stable identity: a leaf that requires grad and that optimizers
 * update in place with `assign`. It is never disposed by a `tidy` scope.
 *
 * @example
 * const w = new Parameter(randn([784, 256]).mul(0.05));
 * noGrad(() => w.assign(w.sub(w.grad!.mul(0.1))));
 */
export class Parameter extends Tensor {
  /** Wraps a tensor's values (shared, not copied); the tensor itself may then be disposed. */
  constructor(value: Tensor, opts: { requiresGrad?: boolean; name?: string } = {}) {
    value.assertAlive('Parameter');
    super(value.storage, value.shape, value.dtype, {
      requiresGrad: opts.requiresGrad ?? (value.dtype === 'float32' || value.dtype === 'float64'),
    });
    this.name = opts.name ?? null;
    untrack(this);
  }

  /** Optional name (layers set it to the dotted parameter path). */
  name: string | null;

  /**
   * Replaces the values in place (same shape and dtype). Graphs recorded earlier keep the
   * old values they saved, so this is safe between forward and backward.
   */
  assign(value: Tensor): this {
    value.assertAlive('assign');
    this.assertAlive('assign');
    if (value.dtype !== this.dtype) {
      throw new DTypeError(`assign: parameter is ${this.dtype} but the new value is ${value.dtype}; cast it first.`);
    }
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(`assign: parameter has shape ${fmtShape(this.shape)} but the new value has ${fmtShape(value.shape)}.`);
    }
    if (value.storage.backend !== this.storage.backend) {
      throw new BackendError(`assign: parameter is on '${this.backend}' but the value is on '${value.backend}'; move it with .to().`);
    }
    this.swapStorage(value.storage);
    return this;
  }
}
