import * as T from '@tessera/core';
import type { BackendImpl, Tensor } from '@tessera/core';
import { gpuOf } from './kernels/gpu-of.js';

/** A small MLP and CNN, forward and backward: the pipelines training needs. */
function trainingOps(backend: string): void {
  const o = { backend };
  const x = T.randn([8, 16], o);
  const w1 = T.randn([16, 32], o).requiresGrad_();
  const b1 = T.zeros([32], o).requiresGrad_();
  const w2 = T.randn([32, 10], o).requiresGrad_();
  const h = T.relu(T.add(T.matmul(x, w1), b1));
  const logits = T.matmul(h, w2);
  const loss = T.mean(T.neg(T.logSoftmax(logits)));
  T.gradients(loss, [w1, b1, w2]);
  const img = T.randn([2, 3, 8, 8], o);
  const k = T.randn([4, 3, 3, 3], o).requiresGrad_();
  const y = T.maxPool2d(T.relu(T.conv2d(img.requiresGrad_(), k, { padding: 1 })), { kernelSize: 2 });
  T.gradients(T.sum(T.avgPool2d(y, { kernelSize: 2 })), [img, k]);
  // Large GEMM tiles (chosen once a problem has enough tiles).
  T.matmul(T.rand([512, 64], o), T.rand([64, 512], o));
}

/** Elementwise ops in their common layouts: same shape, scalar, row broadcast. */
function elementwiseOps(backend: string): void {
  const o = { backend };
  const a = T.randn([4, 8], o);
  const b = T.rand([4, 8], o);
  const row = T.rand([8], o);
  const s = T.scalar(2, o);
  const unary = [T.exp, T.log, T.sqrt, T.tanh, T.sigmoid, T.relu, T.neg, T.abs, T.square] as ((t: Tensor) => Tensor)[];
  for (const f of unary) f(a);
  for (const f of [T.add, T.sub, T.mul, T.div, T.maximum]) {
    f(a, b);
    f(a, row);
    f(a, s);
  }
  T.where(T.greater(a, b), a, b);
  T.softmax(a);
  T.cast(T.argmax(a, 1), 'float32');
  T.sum(a);
  T.max(a, 0);
}

/**
 * Compiles the pipelines a typical training loop needs, asynchronously
 * (`createComputePipelineAsync`), so the first real steps do not stall on shader
 * compilation. Runs no GPU work and leaves the global random generator untouched.
 * Returns the number of pipelines it compiled.
 *
 * @example
 * await init();
 * await warmup(); // before the first training step
 */
export async function warmup(backend: BackendImpl | string = 'webgpu'): Promise<number> {
  const impl = typeof backend === 'string' ? T.getBackend(backend) : backend;
  const gpu = gpuOf(impl);
  const rng = T.getRngState();
  try {
    return await gpu.collectPipelines(() =>
      T.tidy(() => {
        trainingOps(impl.name);
        T.noGrad(() => elementwiseOps(impl.name));
      }),
    );
  } finally {
    T.setRngState(rng);
  }
}
