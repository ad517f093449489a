import { BackendError, type DataId, type EpilogueAttrs, type Kernel, type PrimitiveAttrs } from '@tessera/core';
import { asGpu, wgslType } from '../storage.js';
import { pu } from '../wgsl/params.js';
import { epilogueOf } from './epilogue.js';
import { GEMM_EXTRA, runGemms } from './gemm.js';
import { gpuOf } from './gpu-of.js';

type MatmulKernelAttrs = PrimitiveAttrs['matmul'] & { readonly epilogue?: EpilogueAttrs; readonly onesColumn?: true };

/**
 * Batched matmul as the tiled GEMM: a is [Ba, M, K] ([Ba, K, M] if transposeA), b is
 * [Bb, K, N] ([Bb, N, K] if transposeB); a batch of 1 broadcasts. With an `epilogue`
 * (compiled steps), inputs after `a` and `b` are its extra inputs and it is applied in the
 * store. With `onesColumn` (compiled steps, `BackendImpl.matmulOnesColumn`), op(b) gets a
 * virtual column of ones (column N), whose products op(a)·1 — a dense layer's bias
 * gradient beside its weight gradient dzᵀ·x — go to a second output of M elements: the
 * kernel then returns both storages (core's program stores them in the call's two slots).
 */
export const matmul: Kernel<MatmulKernelAttrs> = ({ backend, inputs, attrs, out }) => {
  const [a, b] = inputs;
  const gpu = gpuOf(backend);
  const { transposeA: tA, transposeB: tB } = attrs;
  const ones = attrs.onesColumn === true;
  const [Ba, a1, a2] = a.shape;
  const [Bb, b1, b2] = b.shape;
  const M = tA ? a2 : a1;
  const K = tA ? a1 : a2;
  const N = tB ? b1 : b2;
  if (ones && (Ba !== 1 || Bb !== 1 || K === 0 || attrs.epilogue)) {
    throw new BackendError(
      `webgpu: matmul: onesColumn needs batch-1 operands, K > 0 and no epilogue (got a [${a.shape}], b [${b.shape}]).`,
    );
  }
  const T = wgslType(a.dtype);
  const ba = pu(GEMM_EXTRA);
  const bb = pu(GEMM_EXTRA + 1);
  // The real N: parameter word 1 holds N + 1 with the ones column.
  const Nw = ones ? pu(GEMM_EXTRA + 2) : pu(1);
  const [y, yb] = runGemms(
    gpu,
    {
      key: `matmul:${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}${ones ? ':ones' : ''}`,
      type: T,
      M,
      N: ones ? N + 1 : N,
      K,
      batch: out.shape[0],
      loadA: `fn loadA(bt: u32, m: u32, k: u32) -> ${T} {
  let base = select(bt, 0u, ${ba} == 1u) * ${pu(0)} * ${pu(2)};
  return a[base + ${tA ? `k * ${pu(0)} + m` : `m * ${pu(2)} + k`}];
}`,
      loadB: `fn loadB(bt: u32, k: u32, n: u32) -> ${T} {${ones ? `
  if (n == ${Nw}) { return ${T}(1); }` : ''}
  let base = select(bt, 0u, ${bb} == 1u) * ${pu(2)} * ${Nw};
  return b2[base + ${tB ? `n * ${pu(2)} + k` : `k * ${Nw} + n`}];
}`,
      storeC: ones
        ? `fn storeC(bt: u32, m: u32, n: u32, v: ${T}) { if (n == ${Nw}) { yb[m] = v; } else { put(m * ${Nw} + n, v); } }`
        : `fn storeC(bt: u32, m: u32, n: u32, v: ${T}) { put((bt * ${pu(0)} + m) * ${pu(1)} + n, v); }`,
      aKFast: !tA,
      bKFast: tB,
      extra: ones ? [Ba, Bb, N] : [Ba, Bb],
      plainStore: !ones,
      second: ones ? { shape: [M], dtype: out.dtype, size: M } : undefined,
    },
    asGpu(a.dataId, 'matmul'),
    asGpu(b.dataId, 'matmul'),
    out,
    epilogueOf(attrs, inputs, 2, a.dtype),
  );
  return (ones ? [y, yb] : y) as unknown as DataId;
};
