import { TesseraError } from '@tessera/core';

/** A command-line mistake (unknown name, bad value, missing argument); exit code 2. */
export class CliError extends TesseraError {}
