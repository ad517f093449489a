import type { EpilogueAttrs, Kernel, OutputSpec, Pool2dAttrs, PrimitiveAttrs } from '@tessera/core';
import type { GpuContext } from '../context.js';
import { asGpu, type GpuStorage } from '../storage.js';
import { pu } from '../wgsl/params.js';
import { bindings, ELEMENT_WG, perElementMain } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { applyEpilogue, epilogueOf, plainPut, storeEpilogue, type EpilogueCall } from './epilogue.js';
import { gpuOf } from './gpu-of.js';

/** Parameter words: [n, H, W, Ho, Wo, kH, kW, sh, sw, pt, pb, pl, pr, countIncludePad]. */
const GEOM = ['H', 'W', 'Ho', 'Wo', 'kH', 'kW', 'sh', 'sw', 'pt', 'pb', 'pl', 'pr', 'cip']
  .map((f, k) => `let ${f} = i32(${pu(k + 1)});`)
  .join(' ');

function params(n: number, x: readonly number[], y: readonly number[], a: Pool2dAttrs, countIncludePad = false): number[] {
  return [
    n,
    x[2],
    x[3],
    y[2],
    y[3],
    a.kernel[0],
    a.kernel[1],
    a.strides[0],
    a.strides[1],
    a.pads[0],
    a.pads[1],
    a.pads[2],
    a.pads[3],
    countIncludePad ? 1 : 0,
  ];
}

/** WGSL: flat offset in x of the first maximum of window (oh, ow) of a plane (a NaN wins; −1 if empty). */
const FIRST_MAX = `fn firstMax(plane: i32, oh: i32, ow: i32) -> i32 {
  ${GEOM}
  let h0 = oh * sh - pt; let w0 = ow * sw - pl;
  var best = -1; var m = 0.0;
  for (var h = max(h0, 0); h < min(h0 + kH, H); h++) {
    for (var w = max(w0, 0); w < min(w0 + kW, W); w++) {
      let v = x[plane + h * W + w];
      if (best < 0 || v > m || (v != v && m == m)) { m = v; best = plane + h * W + w; }
    }
  }
  return best;
}`;

/** WGSL: the average-pool divisor of window (oh, ow). */
const DIVISOR = `fn divisor(oh: i32, ow: i32) -> f32 {
  ${GEOM}
  let h0 = oh * sh - pt; let w0 = ow * sw - pl;
  let h1 = min(h0 + kH, H + pb); let w1 = min(w0 + kW, W + pr);
  if (cip != 0) { return f32((h1 - h0) * (w1 - w0)); }
  return f32(max(0, min(h1, H) - max(h0, 0)) * max(0, min(w1, W) - max(w0, 0)));
}`;

/** Decodes output index i into (plane offset in x, oh, ow). */
const OUT_POS = `  ${GEOM}
  let ii = i32(i); let ow = ii % Wo; let oh = (ii / Wo) % Ho; let plane = (ii / (Wo * Ho)) * H * W;`;

/**
 * Decodes input index i into (h, w, plane) and the range of outputs whose windows hold it:
 * oh in [oh0, oh1], ow in [ow0, ow1]. Backward kernels gather over these (no atomics),
 * adding in increasing output order like the CPU.
 */
const IN_POS = `  ${GEOM}
  let ii = i32(i); let w = ii % W; let h = (ii / W) % H; let p = ii / (W * H);
  let plane = p * H * W; let oplane = p * Ho * Wo;
  let oh0 = max(0, (h + pt - kH + sh) / sh); let oh1 = min(Ho - 1, (h + pt) / sh);
  let ow0 = max(0, (w + pl - kW + sw) / sw); let ow1 = min(Wo - 1, (w + pl) / sw);`;

/**
 * One thread per element of `out`; `body` ends by calling `put(i, value)`. With an
 * epilogue (forward pooling in compiled steps: the activation after the pool), `put`
 * applies it, its extra inputs bound after `ins` and its words after `words`.
 */
function dispatch(
  gpu: GpuContext,
  key: string,
  out: OutputSpec,
  ins: GpuStorage[],
  names: string[],
  body: string,
  words: number[],
  epi?: EpilogueCall,
): GpuStorage {
  const fused = epi ? storeEpilogue(gpu, epi, out, ins.length, words.length) : null;
  if (epi && !fused) return applyEpilogue(gpu, epi, dispatch(gpu, key, { ...out, dtype: epi.raw }, ins, names, body, words), out);
  const y = gpu.alloc(key, out.size, out.dtype);
  if (out.size === 0) return y;
  const put = fused?.code ?? plainPut('f32');
  const helpers = [names.includes('x') ? FIRST_MAX : '', body.includes('divisor(') ? DIVISOR : ''];
  const inputs = [...names.map((name) => ({ name, type: 'f32' })), ...(fused?.bindings ?? [])];
  const code = () =>
    [bindings({ name: 'y', type: fused?.outType ?? 'f32' }, inputs), ...helpers, helpersFor(body + put), put, perElementMain(body)].join(
      '\n',
    );
  const all = [...ins, ...(fused?.inputs ?? [])];
  gpu.dispatch(
    { key: fused ? `${key}:${fused.key}` : key, code, inputs: all.length },
    y,
    all,
    [...words, ...(fused?.words ?? [])],
    gpu.groupsFor(words[0], ELEMENT_WG),
  );
  return y;
}

/** Max pooling; padding counts as −∞. */
export const maxPool2d: Kernel<PrimitiveAttrs['maxPool2d'] & { readonly epilogue?: EpilogueAttrs }> = ({ backend, inputs, attrs, out }) => {
  const [x] = inputs;
  const body = `${OUT_POS}
  let at = firstMax(plane, oh, ow);
  var v = t_ninf();
  if (at >= 0) { v = x[at]; }
  put(i, v);`;
  return dispatch(
    gpuOf(backend),
    'maxPool2d',
    out,
    [asGpu(x.dataId, 'maxPool2d')],
    ['x'],
    body,
    params(out.size, x.shape, out.shape, attrs),
    epilogueOf(attrs, inputs, 1, x.dtype),
  );
};

/** Routes each window's dy to the window's first maximum in x. */
export const maxPool2dBackward: Kernel<PrimitiveAttrs['maxPool2dBackward']> = ({ backend, inputs: [dy, x], attrs, out }) => {
  const body = `${IN_POS}
  var acc = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    for (var ow = ow0; ow <= ow1; ow++) {
      if (firstMax(plane, oh, ow) == ii) { acc += dy[oplane + oh * Wo + ow]; }
    }
  }
  put(i, acc);`;
  return dispatch(
    gpuOf(backend),
    'maxPool2dBackward',
    out,
    [asGpu(dy.dataId, 'maxPool2dBackward'), asGpu(x.dataId, 'maxPool2dBackward')],
    ['dy', 'x'],
    body,
    params(out.size, x.shape, dy.shape, attrs),
  );
};

/** Average pooling; the divisor excludes padding unless countIncludePad. */
export const avgPool2d: Kernel<PrimitiveAttrs['avgPool2d'] & { readonly epilogue?: EpilogueAttrs }> = ({ backend, inputs, attrs, out }) => {
  const [x] = inputs;
  const body = `${OUT_POS}
  let h0 = oh * sh - pt; let w0 = ow * sw - pl;
  var s = 0.0;
  for (var h = max(h0, 0); h < min(h0 + kH, H); h++) {
    for (var w = max(w0, 0); w < min(w0 + kW, W); w++) { s += x[plane + h * W + w]; }
  }
  let d = divisor(oh, ow);
  put(i, select(0.0, s / d, d > 0.0));`;
  return dispatch(
    gpuOf(backend),
    'avgPool2d',
    out,
    [asGpu(x.dataId, 'avgPool2d')],
    ['x'],
    body,
    params(out.size, x.shape, out.shape, attrs, attrs.countIncludePad),
    epilogueOf(attrs, inputs, 1, x.dtype),
  );
};

/** Spreads each dy evenly (÷ the forward divisor) over its window. */
export const avgPool2dBackward: Kernel<PrimitiveAttrs['avgPool2dBackward']> = ({ backend, inputs: [dy], attrs, out }) => {
  const body = `${IN_POS}
  var acc = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    for (var ow = ow0; ow <= ow1; ow++) {
      let d = divisor(oh, ow);
      if (d > 0.0) { acc += dy[oplane + oh * Wo + ow] / d; }
    }
  }
  put(i, acc);`;
  return dispatch(
    gpuOf(backend),
    'avgPool2dBackward',
    out,
    [asGpu(dy.dataId, 'avgPool2dBackward')],
    ['dy'],
    body,
    params(out.size, attrs.inputShape, dy.shape, attrs, attrs.countIncludePad),
  );
};
