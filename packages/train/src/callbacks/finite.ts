import { type Tensor, noGrad, tidy } from '@tessera/core';

/** @internal True when every value of every tensor is finite (one scalar readback). */
export async function allFinite(tensors: readonly Tensor[]): Promise<boolean> {
  if (tensors.length === 0) return true;
  // x − x is 0 for a finite x and NaN for NaN/±Inf; any NaN poisons the total.
  const total = noGrad(() => tidy(() => tensors.map((t) => t.sub(t).sum().cast('float32')).reduce((a, b) => a.add(b))));
  try {
    return (await total.data())[0] === 0;
  } finally {
    total.dispose();
  }
}

/** @internal Number or null for JSON (NaN, "no value yet", becomes null). */
export const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** @internal A saved number back (null: NaN, "no value yet"). */
export const fromJsonNumber = (v: number | null | undefined): number => (typeof v === 'number' ? v : NaN);
