import { TesseraError } from '@tessera/core';

/** Invalid training configuration: unknown loss/metric/optimizer names, bad options. */
export class TrainConfigError extends TesseraError {}

/** The loss became NaN or ±Infinity; the message names the step, epoch and batch. */
export class NonFiniteLossError extends TesseraError {
  constructor(
    message: string,
    /** Global step (0-based) of the first non-finite loss. */
    readonly step: number,
  ) {
    super(message);
  }
}
