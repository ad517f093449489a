import { PytorchExportError } from './errors.js';

/** A JavaScript value as a Python literal: numbers, booleans (`True`), null (`None`), strings, arrays as tuples. */
export function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return "float('nan')";
    if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "float('-inf')";
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(', ')})`;
  throw new PytorchExportError(`exportPytorch: cannot write ${JSON.stringify(v)?.slice(0, 60)} as a Python literal.`);
}

/** Python keyword arguments from pairs, leaving out those equal to PyTorch's default. */
export function kwargs(pairs: readonly (readonly [name: string, value: unknown, torchDefault?: unknown])[]): string {
  return pairs
    .filter(([, v, d]) => d === undefined || JSON.stringify(v) !== JSON.stringify(d))
    .map(([k, v]) => `${k}=${py(v)}`)
    .join(', ');
}

/** A module path (`layer1.0.conv1`) as a valid Python expression on `self`. */
export function submodule(path: string): string {
  return `self.get_submodule(${JSON.stringify(path)})`;
}
