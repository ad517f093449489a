import { broadcastStrides, stridesOf } from '@tessera/core';
import type { ParamList } from '../wgsl/params.js';
import { stridedOffsets } from '../wgsl/shader.js';
import { coalesce } from './layout.js';

/**
 * How a per-element shader reads operands broadcast to an output shape at flat output
 * index `i`: the pipeline-key part of the layout (`pattern`), the WGSL index of operand k
 * (`index(k)`) and the statements computing the offsets it uses (`offsets`).
 */
export interface OperandIndexing {
  readonly pattern: string;
  readonly index: (k: number) => string;
  readonly offsets: string;
}

/**
 * Indexes operands of shapes `inputs` broadcast to `outShape`. After coalescing, operands
 * that are contiguous or scalar are indexed directly (`flat-…` pattern, keyed by which
 * operand is which); anything else walks per-operand strides (keyed by the coalesced rank),
 * whose sizes and strides are appended to `p` (the shader reads them as uniform words).
 */
export function indexOperands(outShape: readonly number[], inputs: readonly (readonly number[])[], p: ParamList): OperandIndexing {
  const lay = coalesce(outShape, [stridesOf(outShape), ...inputs.map((s) => broadcastStrides(s, outShape))]);
  const rank = lay.shape.length;
  const inStrides = lay.strides.slice(1);
  if (rank <= 1 && inStrides.every((s) => rank === 0 || s[0] === 1 || s[0] === 0)) {
    const kinds = inStrides.map((s) => (rank === 1 && s[0] === 0 ? 's' : 'c'));
    return { pattern: `flat-${kinds.join('')}`, index: (k) => (kinds[k] === 's' ? '0' : 'i'), offsets: '' };
  }
  const shapeAt = p.ints(...lay.shape);
  const strideAt = inStrides.map((s) => p.ints(...s));
  return { pattern: `r${rank}`, index: (k) => `u32(o${k})`, offsets: stridedOffsets(rank, shapeAt, strideAt) };
}
