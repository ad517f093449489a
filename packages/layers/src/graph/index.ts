/**
 * The functional (Keras-style) model API: `input({ shape })`, `layer.apply(x)` (on
 * `Module`), `model({ inputs, outputs })`.
 */
export { input, type InputOptions } from './input.js';
export { GraphModel, model, type ModelOptions } from './graph-model.js';
export { GraphError } from './errors.js';
