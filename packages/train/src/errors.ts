import { DataError, TesseraError } from '@tessera/core';

/** Invalid training configuration: unknown loss/metric/optimizer names, bad options. */
export class TrainConfigError extends TesseraError {}

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
