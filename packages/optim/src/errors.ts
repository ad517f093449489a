import { TesseraError } from '@tessera/core';

/**
 * Invalid optimizer, schedule or clipping configuration (negative lr, betas outside
 * [0, 1), nesterov without momentum, an unknown optimizer name, a state dict that does not
 * fit) is core's `ConfigError`, re-exported here: the message names the option, the value
 * and the valid range.
 */
export { ConfigError } from '@tessera/core';

/**
 * `step()` found no gradient on any parameter (did you call `loss.backward()`?). The message
 * names the parameters (their `name`, or `group g, param i`).
 */
export class NoGradientError extends TesseraError {}
