import { type DType, type Parameter, type Tensor, fmtShape, noGrad, shapesEqual, tidy } from '@tessera/core';
import { StateDictError } from './errors.js';
import type { AnyModule } from './module.js';

/** Named tensors: parameters and buffers by dotted name (PyTorch's `state_dict`). */
export type StateDict = Record<string, Tensor>;

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /**
   * true (default): every key of the module must be in the dict and vice versa, else a
   * `StateDictError` lists them. false: load the keys both have (transfer learning).
   * Shape mismatches are an error either way.
   */
  readonly strict?: boolean;
}

/** What `loadStateDict` did not load (always empty when strict). */
export interface LoadStateDictResult {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
}

/**
 * The module's parameters and buffers by dotted name, in definition order. The values
 * are the live tensors (no copy): read or save them, do not dispose them.
 */
export function stateDict(m: AnyModule): StateDict {
  return ownState(m);
}

function ownState(m: AnyModule): Record<string, Parameter> {
  const out: Record<string, Parameter> = {};
  for (const [n, p] of m.namedParameters()) out[n] = p;
  for (const [n, b] of m.namedBuffers()) out[n] = b;
  return out;
}

function convertible(from: DType, to: DType): boolean {
  if (from === to) return true;
  const isF = (d: DType): boolean => d === 'float32' || d === 'float64';
  return (isF(from) && isF(to)) || (from === 'int32' && to !== 'bool') || (from === 'bool' && to === 'int32');
}

/**
 * Copies values from `dict` into the module's parameters and buffers (in place, so
 * optimizers holding the parameters keep working). Values are cast between float types
 * and moved to the parameter's backend. Throws a `StateDictError` listing every missing
 * key, unexpected key and shape mismatch, loading nothing.
 */
export function loadStateDict(m: AnyModule, dict: Readonly<StateDict>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
  const strict = opts.strict ?? true;
  const own = ownState(m);
  const missing = Object.keys(own).filter((k) => !Object.hasOwn(dict, k));
  const unexpected = Object.keys(dict).filter((k) => !Object.hasOwn(own, k));
  const mismatched: string[] = [];
  for (const [k, p] of Object.entries(own)) {
    const v = Object.hasOwn(dict, k) ? dict[k] : undefined;
    if (!v) continue;
    if (!shapesEqual(v.shape, p.shape)) mismatched.push(`${k}: module has ${fmtShape(p.shape)}, dict has ${fmtShape(v.shape)}`);
    else if (!convertible(v.dtype, p.dtype)) mismatched.push(`${k}: module has ${p.dtype}, dict has ${v.dtype}`);
  }
  if (mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
    const parts: string[] = [];
    if (strict && missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
    if (mismatched.length) parts.push(`wrong shapes or dtypes: ${mismatched.join('; ')}`);
    const fix = strict && mismatched.length === 0 ? ' Pass { strict: false } to load only the keys both have.' : '';
    throw new StateDictError(`loadStateDict(${m.typeName}): ${parts.join('; ')}.${fix}`, missing, unexpected, mismatched);
  }
  noGrad(() => {
    for (const [k, p] of Object.entries(own)) {
      const v = Object.hasOwn(dict, k) ? dict[k] : undefined;
      if (!v) continue;
      tidy(() => {
        let x = v.backend === p.backend ? v : v.to(p.backend);
        if (x.dtype !== p.dtype) x = x.cast(p.dtype);
        // assign shares the (immutable) storage: no copy, and the caller may dispose v.
        p.assign(x);
      });
    }
  });
  return { missingKeys: missing, unexpectedKeys: unexpected };
}
