import * as ort from 'onnxruntime-node';
import type { Tensor } from '@tessera/core';

/** Runs ONNX bytes in onnxruntime-node (CPU) on Tessera tensors; returns its outputs in graph order. */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<{ dims: number[]; data: Float32Array }[]> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor('float32', Float32Array.from(t.dataSync() as Float32Array), t.shape as number[]);
  const out = await session.run(ortFeeds);
  const res = session.outputNames.map((n) => ({ dims: [...out[n].dims], data: out[n].data as Float32Array }));
  await session.release();
  return res;
}

/**
 * max |a − b| / max(|b|, 1e-3 · max|b|): the relative error of each value, with a floor at
 * a thousandth of the largest magnitude so values that are ~0 do not divide by ~0.
 */
export function maxRelativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-3 * scale, 1e-30);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}
