/**
 * Activations as modules (`new ReLU()`, for `Sequential`) and as functions (the
 * `functional` namespace, PyTorch's `F`; core's ops such as `relu` are the same functions).
 */
export * as functional from './functional.js';
export { prelu, gaussian, identity, silu } from './functional.js';
export {
  Activation,
  type ActivationSpec,
  ReLU,
  LeakyReLU,
  ELU,
  GELU,
  Sigmoid,
  SiLU,
  Tanh,
  Softmax,
  LogSoftmax,
  Softplus,
  Identity,
  Gaussian,
} from './modules.js';
export { PReLU, type PReLUOptions } from './prelu.js';
