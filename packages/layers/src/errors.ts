import { ConfigError, TesseraError } from '@tessera/core';

/** A state dict that does not fit a module: missing or unexpected keys, wrong shapes. */
export class StateDictError extends TesseraError {
  constructor(
    message: string,
    /** Keys the module has and the dict lacks. */
    readonly missingKeys: readonly string[] = [],
    /** Keys the dict has and the module lacks. */
    readonly unexpectedKeys: readonly string[] = [],
    /** `key: expected [..] got [..]` for each shape mismatch. */
    readonly mismatched: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * A layer or loss constructed with invalid options (negative sizes, unknown modes): core's
 * `ConfigError`, under its old name.
 *
 * @deprecated Catch `ConfigError` from `@tessera/core`; this alias goes in the next minor version.
 */
export const LayerConfigError = ConfigError;
/** @deprecated Use `ConfigError` from `@tessera/core`. */
export type LayerConfigError = ConfigError;

/**
 * A module that cannot be described or rebuilt from a config: no `getConfig()`, an
 * unregistered name, an option a model file cannot hold (a function), a malformed config.
 * A `ConfigError`; its own class because loaders tell it apart to prefix the file or layer.
 */
export class ModuleConfigError extends ConfigError {}

/**
 * A model file (see `saveModel`) that cannot be loaded: not a model file, a missing or
 * newer format version, corrupt metadata, or weights that do not fit the architecture.
 * The message starts with the file's name.
 */
export class ModelFileError extends TesseraError {}
