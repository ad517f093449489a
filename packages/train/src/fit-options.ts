import { ConfigError } from '@tessera/core';

/** `"undefined"`, `"null"`, `"an array"` or `"a string ('x')"`: what a caller passed instead. */
function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string ('${v}')`;
  return `a ${typeof v}`;
}

function hasMethods(v: unknown, names: readonly string[]): boolean {
  return typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function');
}

/**
 * Checks the options TypeScript requires but JavaScript callers can omit (`loss`,
 * `optimizer`), so `fit` fails up front with a `ConfigError` naming the option rather
 * than with a TypeError from deep inside the first step.
 */
export function checkRequiredFitOptions(opts: unknown): void {
  if (typeof opts !== 'object' || opts === null) {
    throw new ConfigError(
      `fit: the third argument must be an options object with at least { loss, optimizer } but got ${describe(opts)}; ` +
        `e.g. fit(model, data, { loss: 'crossEntropy', optimizer: new SGD(model.parameters(), { lr: 0.1 }) }).`,
    );
  }
  const { loss, optimizer } = opts as Record<string, unknown>;
  if (typeof loss !== 'function' && typeof loss !== 'string') {
    throw new ConfigError(
      `fit: option 'loss' is missing or invalid (got ${describe(loss)}); pass a loss name such as 'crossEntropy' or 'mse', ` +
        `or a function (pred, target) => scalar tensor.`,
    );
  }
  if (!hasMethods(optimizer, ['step', 'zeroGrad'])) {
    throw new ConfigError(
      `fit: option 'optimizer' is missing or is not an optimizer (got ${describe(optimizer)}); pass one from @tessera/optim, ` +
        `e.g. optimizer: new Adam(model.parameters(), { lr: 1e-3 }).`,
    );
  }
}
