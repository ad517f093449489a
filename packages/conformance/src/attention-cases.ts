/**
 * Conformance cases of `scaledDotProductAttention`: each runs the op (a backend's fused
 * kernel where it has one) with the unfused composite (`scaledDotProductAttentionDef`'s
 * decomposition: matmul, softmax, masks) as its `reference` on the same backend, forward
 * and gradients; like every case, it is also compared with the CPU and its float64
 * gradients with finite differences. Shapes are small (software GPUs run the kit) but
 * include L ≠ S both ways, sizes that are not multiples of any block, and one past the
 * CPU kernel's 64-query block and 128-key block and the WebGPU kernel's 64-query workgroup.
 */
import * as T from '@tessera/core';
import type { AttentionAttrs, Tensor } from '@tessera/core';
import { defineCase, input, type CaseContext, type InputSpec, type OpCase } from './cases.js';

/** How a case builds the mask: from its inputs (after q, k, v), or a fixed pattern. */
type MaskFrom = 'none' | 'additive-input' | 'additive-pattern' | 'bool-pattern';

interface Spec {
  readonly label: string;
  readonly q: number[];
  readonly k: number[];
  readonly v: number[];
  readonly causal?: boolean;
  readonly scale?: number;
  readonly mask?: { readonly from: MaskFrom; readonly shape: number[] };
}

const SPECS: readonly Spec[] = [
  { label: 'L 5, S 7, Ev 3 ≠ E 4', q: [2, 2, 5, 4], k: [2, 2, 7, 4], v: [2, 2, 7, 3] },
  { label: 'causal, L 6 > S 4', q: [1, 2, 6, 4], k: [1, 2, 4, 4], v: [1, 2, 4, 4], causal: true },
  { label: 'causal, L 3 < S 7, scale 0.3', q: [2, 3, 4], k: [2, 7, 4], v: [2, 7, 2], causal: true, scale: 0.3 },
  {
    label: 'key padding bool mask [2, 1, 1, 7]',
    q: [2, 2, 5, 4],
    k: [2, 2, 7, 4],
    v: [2, 2, 7, 3],
    mask: { from: 'bool-pattern', shape: [2, 1, 1, 7] },
  },
  {
    label: 'bool mask [5, 7] + causal',
    q: [2, 5, 3],
    k: [2, 7, 3],
    v: [2, 7, 3],
    causal: true,
    mask: { from: 'bool-pattern', shape: [5, 7] },
  },
  {
    label: 'additive mask [2, 1, 5, 7] (its gradient too)',
    q: [2, 2, 5, 4],
    k: [2, 2, 7, 4],
    v: [2, 2, 7, 3],
    mask: { from: 'additive-input', shape: [2, 1, 5, 7] },
  },
  { label: 'broadcast batch: q [2, 3, 4, 4], k [3, 5, 4], v [1, 3, 5, 2]', q: [2, 3, 4, 4], k: [3, 5, 4], v: [1, 3, 5, 2] },
  { label: 'past one block: L 66, S 130, E 3, causal', q: [66, 3], k: [130, 3], v: [130, 2], causal: true },
  {
    label: 'past one block: L 67, S 200, bool mask [67, 200]',
    q: [67, 2],
    k: [200, 2],
    v: [200, 2],
    mask: { from: 'bool-pattern', shape: [67, 200] },
  },
];

/** A fixed keep pattern whose first key column always attends (no query loses every key). */
function keepPattern(shape: readonly number[]): boolean[] {
  const cols = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => i % cols === 0 || (i * 7 + Math.floor(i / cols) * 3) % 5 > 1);
}

/** The keep pattern as a bool mask. */
function boolPattern(shape: readonly number[], backend: string): Tensor {
  return T.tensor(keepPattern(shape), { shape, dtype: 'bool', backend });
}

/** A fixed additive mask (no gradient wanted): small values, and −∞ where the bool pattern masks. */
function additivePattern(shape: readonly number[], ctx: CaseContext): Tensor {
  const vals = keepPattern(shape).map((k, i) => (k ? ((i * 5) % 7) / 7 - 0.5 : -Infinity));
  return T.tensor(vals, { shape, dtype: ctx.dtype, backend: ctx.backend });
}

/** The op's inputs and attributes for a spec, from the case's tensors. */
function operands(s: Spec, xs: readonly Tensor[], ctx: CaseContext): { ins: Tensor[]; attrs: AttentionAttrs } {
  const ins = xs.slice(0, 3);
  const from = s.mask?.from ?? 'none';
  if (from === 'additive-input') ins.push(xs[3]);
  if (from === 'bool-pattern') ins.push(boolPattern(s.mask!.shape, ctx.backend));
  if (from === 'additive-pattern') ins.push(additivePattern(s.mask!.shape, ctx));
  const kind = from === 'none' ? 'none' : from === 'bool-pattern' ? 'bool' : 'additive';
  return { ins, attrs: { scale: s.scale ?? 1 / Math.sqrt(s.q[s.q.length - 1]), causal: s.causal ?? false, mask: kind } };
}

/** The kit's attention cases (called once by the case table). */
export function attentionCases(): OpCase[] {
  return SPECS.map((s) => {
    const specs: InputSpec[] = [input.follow(s.q), input.follow(s.k), input.follow(s.v)];
    if (s.mask?.from === 'additive-input') specs.push(input.follow(s.mask.shape));
    const fused: OpCase['run'] = (xs, ctx) => {
      const { ins, attrs } = operands(s, xs, ctx);
      return T.scaledDotProductAttention(ins[0], ins[1], ins[2], { mask: ins[3], causal: attrs.causal, scale: attrs.scale });
    };
    const composite: OpCase['run'] = (xs, ctx) => {
      const { ins, attrs } = operands(s, xs, ctx);
      return T.scaledDotProductAttentionDef.decompose!(ins, attrs);
    };
    return defineCase('scaledDotProductAttention', s.label, specs, fused, { tol: 'transcendental', reference: composite });
  });
}

/** A spec's mask as the fused-gradient ops take it: an additive input becomes a fixed pattern (they give it no gradient). */
const constantMask = (s: Spec): Spec =>
  s.mask?.from === 'additive-input'
    ? { ...s, label: `${s.label.replace(' (its gradient too)', '')} (fixed)`, mask: { ...s.mask, from: 'additive-pattern' } }
    : s;

/**
 * Cases of the fused gradient's two ops: `scaledDotProductAttentionLse` (forward with the
 * row logsumexp; its gradient, through the backward op, is checked including the
 * logsumexp column's) and `scaledDotProductAttentionBackward` (forward only: it has no
 * gradient), each against its composite decomposition on the same backend.
 */
export function attentionGradCases(): OpCase[] {
  // The largest spec is left to the op's own cases (finite differences over 800 inputs are slow).
  const specs = SPECS.filter((s) => s.q[0] < 67).map(constantMask);
  const lse = specs.map((s) => {
    const ins: InputSpec[] = [input.follow(s.q), input.follow(s.k), input.follow(s.v)];
    const run =
      (fused: boolean): OpCase['run'] =>
      (xs, ctx) => {
        const o = operands(s, xs, ctx);
        return fused
          ? T.runOp(T.scaledDotProductAttentionLseDef, o.ins, o.attrs)
          : T.scaledDotProductAttentionLseDef.decompose!(o.ins, o.attrs);
      };
    return defineCase('scaledDotProductAttentionLse', s.label, ins, run(true), { tol: 'transcendental', reference: run(false) });
  });
  const bwd = specs
    .filter((_, i) => i % 2 === 0 || i === specs.length - 1)
    .map((s) => {
      const dyShape = T.scaledDotProductAttentionLseDef.infer(
        [s.q, s.k, s.v].map((shape) => ({ shape, dtype: 'float32' as const })),
        { scale: 1, causal: false, mask: 'none' },
      ).shape;
      const ins: InputSpec[] = [input.follow(s.q), input.follow(s.k), input.follow(s.v), input.follow(dyShape)];
      const run =
        (fused: boolean): OpCase['run'] =>
        (xs, ctx) => {
          const o = operands(s, xs.slice(0, 3), ctx);
          const def = T.scaledDotProductAttentionLseDef;
          const packed = fused ? T.runOp(def, o.ins, o.attrs) : def.decompose!(o.ins, o.attrs);
          const args = [...o.ins, packed, xs[3]];
          const b = T.scaledDotProductAttentionBackwardDef;
          return fused ? T.runOp(b, args, o.attrs) : b.decompose!(args, o.attrs);
        };
      return defineCase('scaledDotProductAttentionBackward', s.label, ins, run(true), { tol: 'transcendental', reference: run(false) });
    });
  return [...lse, ...bwd];
}
