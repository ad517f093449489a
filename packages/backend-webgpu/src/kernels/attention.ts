import {
  attentionLayout,
  BackendError,
  fmtShape,
  type AttentionAttrs,
  type AttentionLayout,
  type AttentionMaskKind,
  type Kernel,
} from '@tessera/core';
import { asGpu } from '../storage.js';
import { f32Bits, pf, pu } from '../wgsl/params.js';
import { bindings, foldGroups } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { gpuOf } from './gpu-of.js';

/**
 * Fused scaled dot-product attention (core's `scaledDotProductAttention` composite) in the
 * style of FlashAttention: one workgroup per (score matrix, block of `WG` queries), one
 * thread per query row holding its scaled q row, its output accumulator and its running
 * max and sum in registers. The workgroup loops over the keys in tiles of BK that it loads
 * into workgroup memory together (k and v rows), each thread scores the tile, takes the
 * tile's max, rescales its accumulator once and adds p·v. No [L, S] score matrix is ever
 * written. Causal attention stops at the block's last query. Code is generated per (E, Ev,
 * mask kind) so the rows are fixed-size register arrays; when a tile of even 4 keys
 * would not fit the 16 KiB of workgroup memory every device has, k and v are read from
 * global memory instead.
 */

/** Queries per workgroup (one thread each). */
export const WG = 64;
/** Workgroup memory every WebGPU device offers (maxComputeWorkgroupStorageSize's minimum). */
const SHARED_BYTES = 16384;
/** Most keys per tile. */
export const MAX_BK = 64;
/** Batch axes the parameters describe (after core merges the ones that broadcast alike). */
const MAX_BATCH_RANK = 4;

/**
 * Parameter words: 0 L, 1 S, 2 query blocks per matrix, 3 workgroups, 4 causal, 5 scale,
 * 6–7 mask row/col strides, 8–11 batch sizes, then strides of q, k, v, mask (4 each).
 */
const P = { sizes: 8, strides: 12 } as const;

/** Rows per workgroup-memory tile for rows of `floats` floats, or 0 to read them from global memory. */
export function tileKeys(floats: number): number {
  const fit = Math.floor(SHARED_BYTES / (4 * Math.max(1, floats)));
  return fit >= 4 ? Math.min(MAX_BK, fit) : 0;
}

/** WGSL that sets the element offsets qo, ko, vo, mo of batch matrix `b` from the parameter block. */
export function offsets(): string {
  const lines = ['var qo = 0u; var ko = 0u; var vo = 0u; var mo = 0u; var rem = b;'];
  for (let d = MAX_BATCH_RANK - 1; d >= 0; d--) {
    lines.push(`{ let c = rem % ${pu(P.sizes + d)}; rem = rem / ${pu(P.sizes + d)};`);
    ['qo', 'ko', 'vo', 'mo'].forEach((o, k) => lines.push(`  ${o} += c * ${pu(P.strides + 4 * k + d)};`));
    lines.push('}');
  }
  return lines.join('\n  ');
}

/** The masking statement for score `d` of query row `row`, key `key`. */
export function maskCode(kind: AttentionMaskKind): string {
  const at = `mask[mo + row * ${pu(6)} + key * ${pu(7)}]`;
  if (kind === 'additive') return `d += ${at};`;
  if (kind === 'bool') return `if (${at} == 0u) { d = ninf; }`;
  return '';
}

/**
 * The attention shader for row sizes E, Ev and one mask kind; with `lse` output rows are
 * Ev + 1 wide and the last holds the row logsumexp m + log(l) ('scaledDotProductAttentionLse').
 */
function shader(e: number, ev: number, kind: AttentionMaskKind, lse: boolean): string {
  const bk = tileKeys(e + ev);
  const shared = bk > 0;
  const tile = shared ? bk : MAX_BK;
  const K = (j: string, x: string) => (shared ? `kt[${j} * E + ${x}]` : `k[ko + (j0 + ${j}) * E + ${x}]`);
  const V = (j: string, x: string) => (shared ? `vt[${j} * EV + ${x}]` : `v[vo + (j0 + ${j}) * EV + ${x}]`);
  const ins = [
    { name: 'q', type: 'f32' },
    { name: 'k', type: 'f32' },
    { name: 'v', type: 'f32' },
  ];
  if (kind !== 'none') ins.push({ name: 'mask', type: kind === 'bool' ? 'u32' : 'f32' });
  const main = `const E = ${e}u;
const EV = ${ev}u;
const BK = ${tile}u;
${shared ? `var<workgroup> kt: array<f32, ${bk * Math.max(1, e)}>;\nvar<workgroup> vt: array<f32, ${bk * Math.max(1, ev)}>;` : ''}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let L = ${pu(0)}; let S = ${pu(1)}; let causal = ${pu(4)} != 0u; let scale = ${pf(5)};
  let w = wid.x + (wid.y + wid.z * nwg.y) * nwg.x;
  if (w >= ${pu(3)}) { return; }
  let b = w / ${pu(2)};
  let i0 = (w % ${pu(2)}) * ${WG}u;
  let i = i0 + lid.x;
  let row = min(i, L - 1u);
  let ninf = t_ninf();
  ${offsets()}
  var qr: array<f32, ${Math.max(1, e)}>;
  for (var x = 0u; x < E; x++) { qr[x] = q[qo + row * E + x] * scale; }
  var acc: array<f32, ${Math.max(1, ev)}>;
  for (var x = 0u; x < EV; x++) { acc[x] = 0.0; }
  var m = ninf;
  var l = 0.0;
  var sc: array<f32, ${tile}>;
  var keys = S;
  if (causal) { keys = min(S, i0 + ${WG}u); }
  for (var j0 = 0u; j0 < keys; j0 += BK) {
    let cols = min(BK, keys - j0);
${
  shared
    ? `    workgroupBarrier();
    for (var t = lid.x; t < cols * E; t += ${WG}u) { kt[t] = k[ko + j0 * E + t]; }
    for (var t = lid.x; t < cols * EV; t += ${WG}u) { vt[t] = v[vo + j0 * EV + t]; }
    workgroupBarrier();`
    : ''
}
    var mx = ninf;
    for (var j = 0u; j < cols; j++) {
      var d = 0.0;
      for (var x = 0u; x < E; x++) { d += qr[x] * ${K('j', 'x')}; }
      let key = j0 + j;
      ${maskCode(kind)}
      if (causal && key > i) { d = ninf; }
      sc[j] = d;
      if (d > mx) { mx = d; }
    }
    let top = max(m, mx);
    if (top != ninf) {
      let corr = select(exp(m - top), 0.0, m == ninf);
      for (var x = 0u; x < EV; x++) { acc[x] = acc[x] * corr; }
      var ps = 0.0;
      for (var j = 0u; j < cols; j++) {
        let p = select(exp(sc[j] - top), 0.0, sc[j] == ninf);
        ps += p;
        for (var x = 0u; x < EV; x++) { acc[x] += p * ${V('j', 'x')}; }
      }
      l = l * corr + ps;
      m = top;
    }
  }
  if (i < L) {
    // All keys masked: 0/0 = NaN as the composite gives; no keys at all: zeros, as it gives.
    let o = (b * L + i) * ${lse ? '(EV + 1u)' : 'EV'};
    for (var x = 0u; x < EV; x++) { y[o + x] = select(select(acc[x] / l, t_nan(), l == 0.0), 0.0, S == 0u); }
    ${lse ? 'y[o + EV] = select(m + log(l), ninf, l == 0.0); // the row logsumexp' : ''}
  }
}`;
  return [bindings({ name: 'y', type: 'f32' }, ins), helpersFor(main), main].join('\n');
}

/**
 * The parameter words of an attention dispatch (see `P`) for `blocks` row blocks per
 * score matrix; throws when the batch axes cannot be described.
 */
export function attentionParams(op: string, lay: AttentionLayout, attrs: AttentionAttrs, blocks: number): number[] {
  const rank = lay.batchShape.length;
  if (rank > MAX_BATCH_RANK) {
    throw new BackendError(
      `webgpu: ${op}: q [.., ${lay.l}, ${lay.e}], k [.., ${lay.s}, ${lay.e}], v [.., ${lay.s}, ${lay.ev}] broadcast over ${rank} ` +
        `batch axes (${fmtShape(lay.batchShape)}) that cannot be merged; at most ${MAX_BATCH_RANK} are supported: ` +
        'broadcastTo one shape first.',
    );
  }
  const pad = (xs: readonly number[], fill: number) => [...new Array<number>(MAX_BATCH_RANK - rank).fill(fill), ...xs];
  return [
    lay.l,
    lay.s,
    blocks,
    lay.batch * blocks,
    attrs.causal ? 1 : 0,
    f32Bits(attrs.scale),
    lay.maskRow,
    lay.maskCol,
    ...pad(lay.batchShape, 1),
    ...pad(lay.strides.q, 0),
    ...pad(lay.strides.k, 0),
    ...pad(lay.strides.v, 0),
    ...pad(lay.strides.mask, 0),
  ];
}

/** The WebGPU fused attention kernel (float32); with `lse`, 'scaledDotProductAttentionLse''s. */
function attentionKernel(lse: boolean): Kernel<AttentionAttrs> {
  const op = lse ? 'scaledDotProductAttentionLse' : 'scaledDotProductAttention';
  return ({ backend, inputs, attrs, out }) => {
    const gpu = gpuOf(backend);
    const y = gpu.alloc(op, out.size, out.dtype);
    if (out.size === 0) return y;
    const [q, k, v, mask] = inputs;
    const lay = attentionLayout(q.shape, k.shape, v.shape, mask?.shape);
    const blocks = Math.ceil(lay.l / WG);
    const params = attentionParams(op, lay, attrs, blocks);
    const ins = inputs.map((t) => asGpu(t.dataId, op));
    const spec = {
      key: `attention:${lay.e}:${lay.ev}:${attrs.mask}:${lse}`,
      code: () => shader(lay.e, lay.ev, attrs.mask, lse),
      inputs: ins.length,
    };
    gpu.dispatch(spec, y, ins, params, foldGroups(lay.batch * blocks, gpu.maxGroupsPerDim));
    return y;
  };
}

/** The WebGPU fused attention kernel (float32). */
export const attention: Kernel<AttentionAttrs> = attentionKernel(false);

/** The kernel of 'scaledDotProductAttentionLse': the output and each row's logsumexp. */
export const attentionLse: Kernel<AttentionAttrs> = attentionKernel(true);
