import { Parameter, type Tensor } from '@tessera/core';

/**
 * Module state that is saved and loaded with the weights but not trained (BatchNorm's
 * `running_mean`). Layers update it in place with `assign`; optimizers never see it.
 */
export class Buffer extends Parameter {
  /** Wraps `value` (shared, not copied) and disposes the wrapper handle. */
  constructor(value: Tensor) {
    super(value, { requiresGrad: false });
    value.dispose();
  }

  /** Buffers never require grad, even after `unfreeze()`. */
  override requiresGrad_(): this {
    return this;
  }
}
