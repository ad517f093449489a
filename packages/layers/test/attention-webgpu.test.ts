/**
 * The PyTorch attention fixtures (forward and gradients) on the WebGPU backend, float32:
 * the layers' fused attention forward and FlashAttention-style backward run as WGSL
 * kernels. Runs on a GPU, or on SwiftShader's software Vulkan driver that Debian's chromium
 * package ships; skips with the reason elsewhere (CI requires it).
 */
import { existsSync } from 'node:fs';
import { type Parameter, type Tensor, gradients, init, recordOps, resetRegistry, scaledDotProductAttention, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { afterAll, describe, expect, it } from 'vitest';
import { type Arr, type GradCase, expectValuesMatch, toTensor } from './torch-fixture.js';
import { encoder, expectFusedAttention, fixture, mha } from './attention-fixture.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !process.env.TESSERA_WEBGPU_NATIVE && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
const REQUIRE_GPU = process.env.CI === 'true' || process.env.TESSERA_REQUIRE_WEBGPU === '1';

use(webgpu({ batchSize: 16 }));
use(cpu());
const unavailable = await init({ backends: ['webgpu'], onFallback: () => undefined }).then(
  (name) => (name === 'webgpu' ? null : `started '${name}' instead`),
  (e: unknown) => (e as Error).message,
);
afterAll(() => resetRegistry());
if (unavailable) console.warn(`WebGPU attention fixture tests skipped: ${unavailable} (apt-get install chromium libvulkan1 for SwiftShader).`);

/**
 * float32 on WebGPU within 1e-5 relative (absolute below magnitude 1), as on the CPU: the
 * sums here are at most a few dozen terms, and the kernels accumulate in float32.
 */
const TOL = 1e-5;
const worst: Record<string, number> = {};
const note = (key: string, err: number) => void (worst[key] = Math.max(worst[key] ?? 0, err));

/** Output and gradients of sum(out · gradOut) for `wrt`, read back; checks that the fused attention ran. */
async function check(key: string, c: GradCase, f: () => Tensor, wrt: readonly (readonly [string, Tensor | Parameter])[]): Promise<void> {
  let outs: Tensor[] = [];
  const names: string[] = [];
  recordOps((op) => names.push(op.def.name), () => {
    outs = tidy(() => {
      const out = f();
      const gs = gradients(out.mul(toTensor(c.gradOut, 'float32')).sum(), wrt.map(([, t]) => t));
      return [out, ...gs];
    });
  });
  expectFusedAttention(names);
  try {
    const expected: Arr[] = [c.out, ...wrt.map(([n]) => c.grads[n]!)];
    for (const [i, t] of outs.entries()) {
      expect(t.shape).toEqual(expected[i]!.shape);
      note(key, expectValuesMatch((await t.data()) as Float32Array, expected[i]!, TOL, i === 0 ? 'output' : `gradient of ${wrt[i - 1]![0]}`));
    }
  } finally {
    for (const t of outs) t.dispose();
  }
}

const asInputs = (entries: [string, Arr][]): [string, Tensor][] => entries.map(([n, a]) => [n, toTensor(a, 'float32').requiresGrad_()]);

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('attention layers against PyTorch 1.13 on WebGPU (float32, forward and gradients)', () => {
  it('runs on webgpu', () => expect(unavailable).toBeNull());

  for (const c of fixture.multiheadAttention) {
    it(`MultiheadAttention: ${c.name}`, async () => {
      const m = mha(c, 'float32');
      const masks = { keyPaddingMask: c.keyPaddingMask && toTensor(c.keyPaddingMask, 'float32'), attnMask: c.attnMask && toTensor(c.attnMask, 'float32') };
      const ins = asInputs([['query', c.query], ['key', c.key], ['value', c.value]]);
      expect(ins[0]![1].storage.backend.name).toBe('webgpu');
      await check('MHA', c, () => m.call(ins[0]![1], ins[1]![1], ins[2]![1], masks), [...ins, ...m.namedParameters()]);
    });
  }

  for (const c of fixture.transformerEncoderLayer) {
    it(`TransformerEncoderLayer: ${c.name}`, async () => {
      const m = encoder(c, 'float32');
      const masks = { srcMask: c.srcMask && toTensor(c.srcMask, 'float32'), srcKeyPaddingMask: c.srcKeyPaddingMask && toTensor(c.srcKeyPaddingMask, 'float32') };
      const src = asInputs([['src', c.src]]);
      await check('encoder', c, () => m.call(src[0]![1], masks), [...src, ...m.namedParameters()]);
    });
  }

  for (const c of fixture.scaledDotProductAttention) {
    it(`scaledDotProductAttention: ${c.name}`, async () => {
      const ins = asInputs([['q', c.q], ['k', c.k], ['v', c.v]]);
      const mask = c.mask && toTensor(c.mask, 'float32');
      await check('sdpa', c, () => scaledDotProductAttention(ins[0]![1], ins[1]![1], ins[2]![1], { mask, causal: c.causal, scale: c.scale }), ins);
    });
  }

  it('reports the worst relative error against PyTorch', () => {
    console.log(`WebGPU max relative error vs PyTorch 1.13: ${JSON.stringify(worst)}`);
    expect(Object.keys(worst)).toEqual(['MHA', 'encoder', 'sdpa']);
  });
});
