import { recordOps, tidy } from '@tessera/core';
import { expect } from 'vitest';
import { MultiheadAttention, TransformerEncoderLayer } from '../src/index.js';
import { type Arr, type Float, type GradCase, readFixture, toState } from './torch-fixture.js';

/** attention.json's nn.MultiheadAttention cases (`out`, `grads`: of the output only). */
export interface MhaCase extends GradCase {
  name: string; options: { batch_first?: boolean; kdim?: number; vdim?: number; bias?: boolean }; average: boolean;
  state: Record<string, Arr>; query: Arr; key: Arr; value: Arr; weights: Arr; keyPaddingMask?: Arr; attnMask?: Arr;
}
/** attention.json's nn.TransformerEncoderLayer cases. */
export interface EncoderCase extends GradCase {
  name: string; options: { dim_feedforward: number; activation?: 'relu' | 'gelu'; norm_first?: boolean; batch_first?: boolean };
  state: Record<string, Arr>; src: Arr; srcMask?: Arr; srcKeyPaddingMask?: Arr;
}
/** `F.scaled_dot_product_attention`'s math (PyTorch 2's reference implementation, in torch 1.13 ops). */
export interface SdpaCase extends GradCase { name: string; causal: boolean; scale?: number; q: Arr; k: Arr; v: Arr; mask?: Arr }

export const fixture = readFixture<{
  E: number; heads: number; multiheadAttention: MhaCase[]; transformerEncoderLayer: EncoderCase[]; scaledDotProductAttention: SdpaCase[];
}>('attention.json');
const { E, heads } = fixture;

/** Names of the ops that `fn` runs (forward and backward). */
export function opsRun(fn: () => void): string[] {
  const names: string[] = [];
  tidy(() => recordOps((c) => names.push(c.def.name), fn));
  return names;
}

/** Expects the fused forward-with-logsumexp and the fused backward to have run, and no [L, S] softmax. */
export function expectFusedAttention(names: readonly string[]): void {
  expect(names).toContain('scaledDotProductAttentionLse');
  expect(names).toContain('scaledDotProductAttentionBackward');
  expect(names).not.toContain('softmax');
}

/** The case's layer with PyTorch's state dict loaded strictly, in eval mode. */
export function mha(c: MhaCase, dtype: Float): MultiheadAttention {
  const m = new MultiheadAttention(E, heads, { batchFirst: c.options.batch_first, kdim: c.options.kdim, vdim: c.options.vdim, bias: c.options.bias, dtype });
  m.loadStateDict(toState(c.state, dtype)); // strict: every PyTorch key, no other
  return m.eval();
}

/** The case's layer with PyTorch's state dict loaded strictly, in eval mode. */
export function encoder(c: EncoderCase, dtype: Float): TransformerEncoderLayer {
  const o = c.options;
  const m = new TransformerEncoderLayer(E, heads, { dimFeedforward: o.dim_feedforward, activation: o.activation, normFirst: o.norm_first, batchFirst: o.batch_first, dtype });
  m.loadStateDict(toState(c.state, dtype));
  return m.eval();
}
