import {
  BackendError, type BackendImpl, type DataId, type TensorData, type Conv2dAttrs, type EpilogueAttrs, type Kernel, type OutputSpec,
  type PrimitiveAttrs,
} from '@tessera/core';
import { asGpu, wgslType } from '../storage.js';
import { pi, pu } from '../wgsl/params.js';
import { epilogueOf, type EpilogueCall } from './epilogue.js';
import { GEMM_EXTRA, runGemms, type GemmProblem } from './gemm.js';
import { gpuOf } from './gpu-of.js';

/** Sizes of one conv2d problem (x [N, C, H, W], w [O, Cg, kH, kW], y [N, O, Ho, Wo]). */
interface ConvGeom {
  readonly N: number; readonly C: number; readonly H: number; readonly W: number;
  readonly O: number; readonly Cg: number; readonly Og: number; readonly kH: number; readonly kW: number;
  readonly Ho: number; readonly Wo: number; readonly G: number;
}

function geometry(x: readonly number[], w: readonly number[], y: readonly number[], groups: number): ConvGeom {
  const [N, C, H, W] = x;
  const [O, Cg, kH, kW] = w;
  return { N, C, H, W, O, Cg, Og: O / groups, kH, kW, Ho: y[2], Wo: y[3], G: groups };
}

/** Parameter words after the GEMM header, and their WGSL names (all u32 unless noted). */
const FIELDS = ['C', 'H', 'W', 'O', 'Cg', 'Og', 'kH', 'kW', 'Ho', 'Wo', 'sh', 'sw', 'pt', 'pl', 'dh', 'dw'] as const;

function extra(g: ConvGeom, a: Conv2dAttrs): number[] {
  const v: Record<(typeof FIELDS)[number], number> = {
    C: g.C, H: g.H, W: g.W, O: g.O, Cg: g.Cg, Og: g.Og, kH: g.kH, kW: g.kW, Ho: g.Ho, Wo: g.Wo,
    sh: a.strides[0], sw: a.strides[1], pt: a.pads[0], pl: a.pads[2], dh: a.dilations[0], dw: a.dilations[1],
  };
  return FIELDS.map((f) => v[f]);
}

/** WGSL `let` bindings of the geometry for the loaders. */
const GEOM = FIELDS.map((f, k) => `let ${f} = ${['pt', 'pl'].includes(f) ? pi(GEMM_EXTRA + k) : `i32(${pu(GEMM_EXTRA + k)})`};`).join(' ');

/**
 * WGSL that reads x[n, g·Cg + c, ih, iw] for filter tap r = (c·kH + ki)·kW + kj at output
 * pixel p = (n·Ho + oh)·Wo + ow, or 0 in the padding: the implicit im2col matrix.
 */
const IM2COL = `  let c = r / (kH * kW); let t = r % (kH * kW); let ki = t / kW; let kj = t % kW;
  let n = p / (Ho * Wo); let q = p % (Ho * Wo); let oh = q / Wo; let ow = q % Wo;
  let ih = oh * sh - pt + ki * dh; let iw = ow * sw - pl + kj * dw;
  if (ih < 0 || ih >= H || iw < 0 || iw >= W) { return 0.0; }`;

const XAT = 'u32(((n * C + g * Cg + c) * H + ih) * W + iw)';
const DYAT = 'u32(((n * O + g * Og + m) * Ho + oh) * Wo + ow)';

function run(
  backend: BackendImpl,
  out: OutputSpec,
  problem: Omit<GemmProblem, 'type' | 'extra'>,
  g: ConvGeom,
  attrs: Conv2dAttrs,
  a: TensorData,
  b: TensorData,
  epi?: EpilogueCall,
) {
  // Each output element is written by exactly one GEMM cell.
  return runGemms(
    gpuOf(backend),
    { ...problem, type: wgslType(a.dtype), extra: extra(g, attrs) },
    asGpu(a.dataId, problem.key),
    asGpu(b.dataId, problem.key),
    out,
    epi,
  );
}

/**
 * conv2d as implicit GEMM, one batch entry per group: M = Og output channels,
 * N = N·Ho·Wo output pixels, K = Cg·kH·kW filter taps; B is the im2col matrix, read on
 * the fly. With an `epilogue` (compiled steps), inputs after `x` and `w` are its extra
 * inputs and it is applied in the store.
 */
export const conv2d: Kernel<PrimitiveAttrs['conv2d'] & { readonly epilogue?: EpilogueAttrs }> = ({ backend, inputs, attrs, out }) => {
  const [x, w] = inputs;
  const g = geometry(x.shape, w.shape, out.shape, attrs.groups);
  const K = g.Cg * g.kH * g.kW;
  return run(backend, out, {
    key: 'conv2d',
    M: g.Og, N: g.N * g.Ho * g.Wo, K, batch: g.G,
    // inputs: a = w, b2 = x
    loadA: `fn loadA(bt: u32, m: u32, k: u32) -> f32 { ${GEOM} return a[(bt * u32(Og) + m) * u32(Cg * kH * kW) + k]; }`,
    loadB: `fn loadB(bt: u32, k: u32, pp: u32) -> f32 { ${GEOM} let g = i32(bt); let r = i32(k); let p = i32(pp);\n${IM2COL}\n  return ` +
      `b2[${XAT}]; }`,
    storeC: `fn storeC(bt: u32, mm: u32, pp: u32, v: f32) { ${GEOM} let g = i32(bt); let m = i32(mm); let p = i32(pp);
  let n = p / (Ho * Wo); let q = p % (Ho * Wo); put(u32((n * O + g * Og + m) * Ho * Wo + q), v); }`,
    aKFast: true,
    bKFast: false,
    plainStore: false,
  }, g, attrs, w, x, epilogueOf(attrs, inputs, 2, x.dtype))[0];
};

/**
 * dx as implicit GEMM per group: M = Cg input channels, N = N·H·W input pixels,
 * K = Og·kH·kW; B(k, p) is dy at the output pixel whose window puts tap k on pixel p
 * (0 where the stride skips it). Takes an `epilogue` like conv2d (e.g. the gradient of
 * the activation before this convolution).
 */
type BackpropInputAttrs = PrimitiveAttrs['conv2dBackpropInput'] & { readonly epilogue?: EpilogueAttrs };
export const conv2dBackpropInput: Kernel<BackpropInputAttrs> = ({ backend, inputs, attrs, out }) => {
  const [dy, w] = inputs;
  const g = geometry(attrs.inputShape, w.shape, dy.shape, attrs.groups);
  return run(backend, out, {
    key: 'conv2dBackpropInput',
    M: g.Cg, N: g.N * g.H * g.W, K: g.Og * g.kH * g.kW, batch: g.G,
    // inputs: a = w, b2 = dy
    loadA: `fn loadA(bt: u32, cc: u32, k: u32) -> f32 { ${GEOM} let m = i32(k) / (kH * kW); let t = i32(k) % (kH * kW);
  return a[u32(((i32(bt) * Og + m) * Cg + i32(cc)) * kH * kW + t)]; }`,
    loadB: `fn loadB(bt: u32, k: u32, pp: u32) -> f32 { ${GEOM} let g = i32(bt); let p = i32(pp);
  let m = i32(k) / (kH * kW); let t = i32(k) % (kH * kW); let ki = t / kW; let kj = t % kW;
  let n = p / (H * W); let q = p % (H * W); let ih = q / W; let iw = q % W;
  let th = ih + pt - ki * dh; let tw = iw + pl - kj * dw;
  if (th < 0 || tw < 0 || th % sh != 0 || tw % sw != 0) { return 0.0; }
  let oh = th / sh; let ow = tw / sw;
  if (oh >= Ho || ow >= Wo) { return 0.0; }
  return b2[${DYAT}]; }`,
    storeC: `fn storeC(bt: u32, cc: u32, pp: u32, v: f32) { ${GEOM} let g = i32(bt); let c = i32(cc); let p = i32(pp);
  let n = p / (H * W); let q = p % (H * W); put(u32((n * C + g * Cg + c) * H * W + q), v); }`,
    aKFast: false,
    bKFast: false,
    plainStore: false,
  }, g, attrs, w, dy, epilogueOf(attrs, inputs, 2, dy.dtype))[0];
};

/**
 * dw as implicit GEMM per group: M = Og, N = Cg·kH·kW filter taps, K = N·Ho·Wo output
 * pixels; A is dy, B(k, r) the im2col matrix transposed. With `onesColumn` (compiled steps,
 * `BackendImpl.conv2dBackpropFilterOnesColumn`), B gets a column of ones (r = Cg·kH·kW),
 * whose products — dy summed over the batch and pixels, the NCHW bias gradient — go to a
 * second output of O elements: the kernel then returns both storages.
 */
type BackpropFilterAttrs = PrimitiveAttrs['conv2dBackpropFilter'] & { readonly onesColumn?: true };
export const conv2dBackpropFilter: Kernel<BackpropFilterAttrs> = ({ backend, inputs: [x, dy], attrs, out }) => {
  const g = geometry(x.shape, attrs.filterShape, dy.shape, attrs.groups);
  const ones = attrs.onesColumn === true;
  const taps = g.Cg * g.kH * g.kW;
  const K = g.N * g.Ho * g.Wo;
  if (ones && K === 0) throw new BackendError(`webgpu: conv2dBackpropFilter: onesColumn needs a non-empty dy (got [${dy.shape}]).`);
  const ys = run(backend, out, {
    key: `conv2dBackpropFilter${ones ? ':ones' : ''}`,
    M: g.Og, N: ones ? taps + 1 : taps, K, batch: g.G,
    // inputs: a = dy, b2 = x
    loadA: `fn loadA(bt: u32, mm: u32, k: u32) -> f32 { ${GEOM} let g = i32(bt); let m = i32(mm); let p = i32(k);
  let n = p / (Ho * Wo); let q = p % (Ho * Wo); return a[u32((n * O + g * Og + m) * Ho * Wo + q)]; }`,
    loadB: `fn loadB(bt: u32, k: u32, rr: u32) -> f32 { ${GEOM} let g = i32(bt); let r = i32(rr); let p = i32(k);${
      ones ? '\n  if (r == Cg * kH * kW) { return 1.0; }' : ''}\n${IM2COL}\n  return b2[${XAT}]; }`,
    storeC: ones
      ? `fn storeC(bt: u32, mm: u32, rr: u32, v: f32) { ${GEOM} let row = bt * u32(Og) + mm; let taps = u32(Cg * kH * kW);
  if (rr == taps) { yb[row] = v; } else { put(row * taps + rr, v); } }`
      : `fn storeC(bt: u32, mm: u32, rr: u32, v: f32) { ${GEOM} put((bt * u32(Og) + mm) * u32(Cg * kH * kW) + rr, v); }`,
    aKFast: true,
    bKFast: true,
    // dw[(g·Og + m)·Cg·kH·kW + r] is the plain layout: long K = N·Ho·Wo may be split.
    plainStore: true,
    second: ones ? { shape: [g.O], dtype: out.dtype, size: g.O } : undefined,
  }, g, attrs, dy, x);
  return (ones ? ys : ys[0]) as unknown as DataId;
};
