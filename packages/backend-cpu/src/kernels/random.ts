import { normalAt, uniformAt, type Kernel, type PrimitiveAttrs } from '@tessera/core';
import { alloc, wrap } from './storage.js';

/** Counter-based random numbers: element i is a pure function of (key0, key1, i). */
export const random: Kernel<PrimitiveAttrs['random']> = ({ attrs: { dist, key0, key1 }, out }) => {
  const y = alloc(out.dtype, out.size);
  const at = dist === 'normal' ? normalAt : uniformAt;
  for (let i = 0; i < y.length; i++) y[i] = at(key0, key1, i);
  return wrap(y);
};
