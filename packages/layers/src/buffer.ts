import { DTypeError, Parameter, type Tensor } from '@tessera/core';

/**
 * Module state that is saved and loaded with the weights but not trained (BatchNorm's
 * `running_mean`). Layers update it in place with `assign`; optimizers never see it.
 */
export class Buffer extends Parameter {
  /**
   * How safetensors writers store it when that differs from its dtype: `'I64'` for an
   * int32 counter that PyTorch keeps as int64 (BatchNorm's `num_batches_tracked`), so a
   * saved file matches PyTorch's bit for bit. Widening int32 to int64 is exact.
   */
  readonly storeAs: 'I64' | undefined;

  /** Wraps `value` (shared, not copied) and disposes the wrapper handle. */
  constructor(value: Tensor, opts: { storeAs?: 'I64' } = {}) {
    super(value, { requiresGrad: false });
    value.dispose();
    if (opts.storeAs === 'I64' && this.dtype !== 'int32') {
      throw new DTypeError(`Buffer: storeAs 'I64' needs an int32 buffer, got ${this.dtype}.`);
    }
    this.storeAs = opts.storeAs;
  }

  /** Buffers never require grad, even after `unfreeze()`. */
  override requiresGrad_(): this {
    return this;
  }
}
