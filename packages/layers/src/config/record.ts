import { ModuleConfigError } from '../errors.js';
import { type JsonValue, toJson } from './json.js';

/**
 * How to rebuild a module: the registered constructor's name and its arguments (JSON).
 * `from` names the package that registers `type` (so an unknown name can say what to import).
 *
 * @example
 * { type: 'Linear', args: [784, 10, { bias: false }] }
 * { type: 'resnet', from: '@tessera/models', args: ['resnet18', { numClasses: 10 }] }
 */
export interface ModuleConfig {
  readonly type: string;
  readonly args: readonly JsonValue[];
  readonly from?: string;
}

/** Options of `describeModule`. */
export interface DescribeOptions {
  /** The package that registers `type` (shown when a loader lacks it), e.g. `'@tessera/models'`. */
  readonly from?: string;
  /** The class whose constructor records (default: the module's own class). */
  readonly owner?: abstract new (...args: never[]) => unknown;
}

interface Recorded {
  /** The class that recorded it: a subclass that did not record its own is not described by it. */
  readonly owner: object;
  readonly type: string;
  readonly from: string | undefined;
  readonly result: { readonly args: readonly JsonValue[] } | { readonly problem: string };
}

const recorded = new WeakMap<object, Recorded>();

/**
 * Records how `module` was built, for `getConfig()`: the name it is registered under (see
 * `registerModule`) and the arguments its constructor or factory took. Arguments are
 * copied now; one that JSON cannot hold (a function) is reported when the config is asked
 * for, not here, so such modules still work until someone saves them. Call it last in a
 * constructor (a subclass's call replaces its parent's) or on a factory's result. Returns
 * the module. Pass `owner` (the class whose constructor records) in a class others may
 * extend: a subclass that does not record its own arguments then gets a clear error
 * instead of being saved as its parent.
 *
 * @example
 * class Scale extends Module {
 *   constructor(readonly factor: number) { super(); describeModule(this, 'Scale', [factor]); }
 *   forward(x: Tensor) { return x.mul(this.factor); }
 * }
 * registerModule('Scale', { fromConfig: ([f]) => new Scale(Number(f)) });
 */
export function describeModule<M extends object>(module: M, type: string, args: readonly unknown[], opts: DescribeOptions = {}): M {
  const r = toJson(args, `${type} args`);
  const from = opts.from;
  recorded.set(module, {
    owner: opts.owner ?? module.constructor,
    type,
    from,
    result: 'problem' in r ? r : { args: r.json as readonly JsonValue[] },
  });
  return module;
}

/** The config `describeModule` recorded for `module`, or undefined (none, or one recorded by a parent class). */
export function recordedConfig(module: object): ModuleConfig | undefined {
  const r = recorded.get(module);
  if (r === undefined || r.owner !== module.constructor) return undefined;
  if ('problem' in r.result)
    throw new ModuleConfigError(
      `${r.type}.getConfig(): ${r.result.problem}; build it from JSON options (names or numbers) to save it as a model file.`,
    );
  return r.from === undefined ? { type: r.type, args: r.result.args } : { type: r.type, args: r.result.args, from: r.from };
}

/** The error for a module with no config: names its class and says how to give it one. */
export function cannotDescribe(typeName: string, at: string): ModuleConfigError {
  return new ModuleConfigError(
    `${at}${typeName} cannot describe itself, so it cannot be saved as a model file: ` +
      `register it with registerModule('${typeName}', { fromConfig }) and record its arguments with describeModule(this, '${typeName}', ` +
        `args) in its constructor (or override getConfig()); ` +
      `to save only its weights, use saveWeights.`,
  );
}

/** A config as a JSON value (to nest it in a container's arguments). */
export function configJson(c: ModuleConfig): JsonValue {
  return c.from === undefined ? { type: c.type, args: c.args } : { type: c.type, args: c.args, from: c.from };
}
