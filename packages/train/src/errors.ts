import { ConfigError, DataError, TesseraError } from '@tessera/core';

/**
 * Invalid training configuration (unknown loss/metric/optimizer names, bad options): core's
 * `ConfigError`, under its old name.
 *
 * @deprecated Catch `ConfigError` from `@tessera/core`; this alias goes in the next minor version.
 */
export const TrainConfigError = ConfigError;
/** @deprecated Use `ConfigError` from `@tessera/core`. */
export type TrainConfigError = ConfigError;

/**
 * Training diverged: the loss, an epoch's metrics or the weights became NaN or ±Infinity;
 * the message names the step (and the epoch, batch or log key).
 */
export class NonFiniteLossError extends TesseraError {
  constructor(
    message: string,
    /** Global step (0-based) of the first non-finite loss. */
    readonly step: number,
  ) {
    super(message);
  }
}

/** A checkpoint's training metadata is malformed; `field` names the offending field. */
export class CheckpointError extends DataError {
  constructor(
    message: string,
    /** The metadata field that is missing or out of range (`epoch`, `rng`, …). */
    readonly field: string,
  ) {
    super(message);
  }
}
