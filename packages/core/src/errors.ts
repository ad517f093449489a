/**
 * Base class of every error Tessera throws on purpose. Each message names the op (or
 * file), the shapes or dtypes involved and what to do about it.
 */
export class TesseraError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an op: broadcasting, matmul inner dims, axes out of range. */
export class ShapeError extends TesseraError {}

/** A dtype an op does not accept, or two inputs whose dtypes differ. */
export class DTypeError extends TesseraError {}

/** A backend could not be found, initialised, or used (including missing kernels). */
export class BackendError extends TesseraError {}

/** No kernel for an op on a backend; names the op, the backend and who has it. */
export class KernelNotFoundError extends BackendError {}

/** An index value (gather, scatterAdd, embedding ids) is outside its axis. */
export class IndexError extends TesseraError {}

/** A tensor was used after `dispose()` (directly or by a scope that ended). */
export class DisposedError extends TesseraError {}

/** Data files or values that are malformed, truncated or inconsistent. */
export class DataError extends TesseraError {}

/** A plugin declared a core API version this core does not provide. */
export class PluginError extends TesseraError {}

/**
 * A configuration that cannot work: an unknown name in a registry (optimizer, model,
 * dataset), an option out of range, options that contradict each other. The one
 * configuration error of every Tessera package; the message names the option and the fix.
 */
export class ConfigError extends TesseraError {}

/**
 * A documented limit: the request is valid, but this backend (or this version) does not do
 * it, e.g. a synchronous read on a GPU backend. The message names the limit and the way
 * around it. A `BackendError`, so code that caught those before still does.
 */
export class NotSupportedError extends BackendError {}

/** A compiled step was used in a way compilation cannot support (async steps, bad arguments). */
export class CompileError extends TesseraError {}

/** Formats a shape the way messages print it: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
