import type { EpilogueAttrs, Kernel, PrimitiveAttrs } from '@tessera/core';
import { asGpu, wgslType } from '../storage.js';
import { pu } from '../wgsl/params.js';
import { epilogueOf } from './epilogue.js';
import { GEMM_EXTRA, runGemm } from './gemm.js';
import { gpuOf } from './gpu-of.js';

/**
 * Batched matmul as the tiled GEMM: a is [Ba, M, K] ([Ba, K, M] if transposeA), b is
 * [Bb, K, N] ([Bb, N, K] if transposeB); a batch of 1 broadcasts. With an `epilogue`
 * (compiled steps), inputs after `a` and `b` are its extra inputs and it is applied in the
 * store.
 */
export const matmul: Kernel<PrimitiveAttrs['matmul'] & { readonly epilogue?: EpilogueAttrs }> = ({ backend, inputs, attrs, out }) => {
  const [a, b] = inputs;
  const gpu = gpuOf(backend);
  const { transposeA: tA, transposeB: tB } = attrs;
  const [Ba, a1, a2] = a.shape;
  const [Bb, b1, b2] = b.shape;
  const M = tA ? a2 : a1;
  const K = tA ? a1 : a2;
  const N = tB ? b1 : b2;
  const T = wgslType(a.dtype);
  const ba = pu(GEMM_EXTRA);
  const bb = pu(GEMM_EXTRA + 1);
  return runGemm(
    gpu,
    {
      key: `matmul:${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`,
      type: T,
      M,
      N,
      K,
      batch: out.shape[0],
      loadA: `fn loadA(bt: u32, m: u32, k: u32) -> ${T} {
  let base = select(bt, 0u, ${ba} == 1u) * ${pu(0)} * ${pu(2)};
  return a[base + ${tA ? `k * ${pu(0)} + m` : `m * ${pu(2)} + k`}];
}`,
      loadB: `fn loadB(bt: u32, k: u32, n: u32) -> ${T} {
  let base = select(bt, 0u, ${bb} == 1u) * ${pu(2)} * ${pu(1)};
  return b2[base + ${tB ? `n * ${pu(2)} + k` : `k * ${pu(1)} + n`}];
}`,
      storeC: `fn storeC(bt: u32, m: u32, n: u32, v: ${T}) { put((bt * ${pu(0)} + m) * ${pu(1)} + n, v); }`,
      aKFast: !tA,
      bKFast: tB,
      extra: [Ba, Bb],
      plainStore: true,
    },
    asGpu(a.dataId, 'matmul'),
    asGpu(b.dataId, 'matmul'),
    out,
    epilogueOf(attrs, inputs, 2, a.dtype),
  );
};
