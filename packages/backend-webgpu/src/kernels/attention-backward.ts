import { attentionLayout, type AttentionAttrs, type AttentionMaskKind, type Kernel } from '@tessera/core';
import { asGpu } from '../storage.js';
import { pf, pu } from '../wgsl/params.js';
import { bindings, foldGroups } from '../wgsl/shader.js';
import { helpersFor } from '../wgsl/special.js';
import { attentionParams, maskCode, MAX_BK, offsets, tileKeys, WG } from './attention.js';
import { gpuOf } from './gpu-of.js';

/**
 * Fused gradient of scaled dot-product attention (core's 'scaledDotProductAttentionBackward')
 * in the style of FlashAttention-2, as two dispatches into the packed output (per score
 * matrix dq [L, E], dk [S, E], dv [S, Ev]):
 *
 * - the dK/dV pass: one thread per key row j (holding k_j, v_j, dk_j, dv_j in registers),
 *   one workgroup per block of `WG` keys; the workgroup walks the queries in tiles it loads
 *   into workgroup memory (q, dy, the row logsumexp and D = Σ dy ⊙ out − dlse), and each
 *   thread adds p·dy to dv and dS·q·scale to dk, p = exp(s − lse), dS = p·(dy·v − D);
 * - the dQ pass: one thread per query row (q_i, dy_i, dq_i, lse_i, D_i in registers), the
 *   key tiles (k, v) in workgroup memory as in the forward; dq += dS·k·scale.
 *
 * P and dS are recomputed in registers; nothing [L, S]-sized is written. Causal attention
 * skips the queries before a key block (dK/dV) and the keys after a query block (dQ).
 * Masked scores give p = 0 (a row whose keys are all masked contributes nothing, where the
 * composite's gradient is NaN). Rows too long for a workgroup tile read global memory.
 */

type Pass = 'kv' | 'q';

/** Loads of the score, probability and dS for query row `qi` (values `Q(x)`, `DY(x)`) and key row `kj` (`K(x)`, `V(x)`). */
/** dd = Σ dy·out over a row, less the logsumexp column's dy, read from global memory (no tile of them in workgroup memory). */
const DD_FROM_ROWS =
  'for (var x = 0u; x < EV; x++) { dd += dy[ro + row * LD + x] * out[ro + row * LD + x]; }\n      dd -= dy[ro + row * LD + EV];';

function step(
  kind: AttentionMaskKind,
  Q: (x: string) => string,
  K: (x: string) => string,
  V: (x: string) => string,
  DY: (x: string) => string,
): string {
  return `var d = 0.0;
      for (var x = 0u; x < E; x++) { d += ${Q('x')} * ${K('x')}; }
      d = d * scale;
      ${maskCode(kind)}
      if (causal && key > row) { d = ninf; }
      let p = select(exp(d - lse), 0.0, d == ninf);
      var dp = 0.0;
      for (var x = 0u; x < EV; x++) { dp += ${DY('x')} * ${V('x')}; }
      let ds = p * (dp - dd) * scale;`;
}

/** The shader of one pass for row sizes E, Ev and a mask kind. */
function shader(pass: Pass, e: number, ev: number, kind: AttentionMaskKind): string {
  const ins = [
    { name: 'q', type: 'f32' },
    { name: 'k', type: 'f32' },
    { name: 'v', type: 'f32' },
  ];
  if (kind !== 'none') ins.push({ name: 'mask', type: kind === 'bool' ? 'u32' : 'f32' });
  ins.push({ name: 'out', type: 'f32' }, { name: 'dy', type: 'f32' });
  const head = `const E = ${e}u;
const EV = ${ev}u;
const LD = ${ev + 1}u;`;
  const prologue = `let L = ${pu(0)}; let S = ${pu(1)}; let causal = ${pu(4)} != 0u; let scale = ${pf(5)};
  let w = wid.x + (wid.y + wid.z * nwg.y) * nwg.x;
  if (w >= ${pu(3)}) { return; }
  let b = w / ${pu(2)};
  let ninf = t_ninf();
  ${offsets()}
  let go = b * (L * E + S * E + S * EV);
  let ro = b * L * LD;`;
  if (pass === 'q') {
    const bk = tileKeys(e + ev);
    const tile = bk > 0 ? bk : MAX_BK;
    const K = (x: string) => (bk > 0 ? `kt[j * E + ${x}]` : `k[ko + key * E + ${x}]`);
    const V = (x: string) => (bk > 0 ? `vt[j * EV + ${x}]` : `v[vo + key * EV + ${x}]`);
    const main = `${head}
const BK = ${tile}u;
${bk > 0 ? `var<workgroup> kt: array<f32, ${bk * Math.max(1, e)}>;\nvar<workgroup> vt: array<f32, ${bk * Math.max(1, ev)}>;` : ''}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${prologue}
  let i0 = (w % ${pu(2)}) * ${WG}u;
  let i = i0 + lid.x;
  let row = min(i, L - 1u);
  var qr: array<f32, ${Math.max(1, e)}>;
  var dyr: array<f32, ${Math.max(1, ev)}>;
  var dq: array<f32, ${Math.max(1, e)}>;
  for (var x = 0u; x < E; x++) { qr[x] = q[qo + row * E + x]; dq[x] = 0.0; }
  for (var x = 0u; x < EV; x++) { dyr[x] = dy[ro + row * LD + x]; }
  let lse = out[ro + row * LD + EV];
  var dd = 0.0;
  for (var x = 0u; x < EV; x++) { dd += dyr[x] * out[ro + row * LD + x]; }
  dd -= dy[ro + row * LD + EV];
  var keys = S;
  if (causal) { keys = min(S, i0 + ${WG}u); }
  for (var j0 = 0u; j0 < keys; j0 += BK) {
    let cols = min(BK, keys - j0);
${
  bk > 0
    ? `    workgroupBarrier();
    for (var t = lid.x; t < cols * E; t += ${WG}u) { kt[t] = k[ko + j0 * E + t]; }
    for (var t = lid.x; t < cols * EV; t += ${WG}u) { vt[t] = v[vo + j0 * EV + t]; }
    workgroupBarrier();`
    : ''
}
    for (var j = 0u; j < cols; j++) {
      let key = j0 + j;
      ${step(
        kind,
        (x) => `qr[${x}]`,
        K,
        V,
        (x) => `dyr[${x}]`,
      )}
      for (var x = 0u; x < E; x++) { dq[x] += ds * ${K('x')}; }
    }
  }
  if (i < L) {
    for (var x = 0u; x < E; x++) { grad[go + i * E + x] = dq[x]; }
  }
}`;
    return [bindings({ name: 'grad', type: 'f32' }, ins), helpersFor(main), main].join('\n');
  }
  // The dK/dV pass: query tiles of q, dy, lse and D rows in workgroup memory.
  const bq = tileKeys(e + ev + 2);
  const tile = bq > 0 ? bq : MAX_BK;
  const Q = (x: string) => (bq > 0 ? `qt[r * E + ${x}]` : `q[qo + row * E + ${x}]`);
  const DY = (x: string) => (bq > 0 ? `dyt[r * EV + ${x}]` : `dy[ro + row * LD + ${x}]`);
  const main = `${head}
const BQ = ${tile}u;
${
  bq > 0
    ? `var<workgroup> qt: array<f32, ${bq * Math.max(1, e)}>;
var<workgroup> dyt: array<f32, ${bq * Math.max(1, ev)}>;
var<workgroup> lt: array<f32, ${bq}>;
var<workgroup> dt: array<f32, ${bq}>;`
    : ''
}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${prologue}
  let j0 = (w % ${pu(2)}) * ${WG}u;
  let j = j0 + lid.x;
  let key = min(j, S - 1u);
  var kr: array<f32, ${Math.max(1, e)}>;
  var vr: array<f32, ${Math.max(1, ev)}>;
  var dk: array<f32, ${Math.max(1, e)}>;
  var dv: array<f32, ${Math.max(1, ev)}>;
  for (var x = 0u; x < E; x++) { kr[x] = k[ko + key * E + x]; dk[x] = 0.0; }
  for (var x = 0u; x < EV; x++) { vr[x] = v[vo + key * EV + x]; dv[x] = 0.0; }
  // Causal: queries before the block's first key see none of its keys.
  var first = 0u;
  if (causal) { first = min(j0, L); }
  for (var r0 = first; r0 < L; r0 += BQ) {
    let rows = min(BQ, L - r0);
${
  bq > 0
    ? `    workgroupBarrier();
    for (var t = lid.x; t < rows * E; t += ${WG}u) { qt[t] = q[qo + r0 * E + t]; }
    for (var t = lid.x; t < rows * EV; t += ${WG}u) { dyt[t] = dy[ro + (r0 + t / EV) * LD + t % EV]; }
    for (var t = lid.x; t < rows; t += ${WG}u) {
      let o = ro + (r0 + t) * LD;
      lt[t] = out[o + EV];
      var acc = 0.0;
      for (var x = 0u; x < EV; x++) { acc += dy[o + x] * out[o + x]; }
      dt[t] = acc - dy[o + EV];
    }
    workgroupBarrier();`
    : ''
}
    for (var r = 0u; r < rows; r++) {
      let row = r0 + r;
      let lse = ${bq > 0 ? 'lt[r]' : 'out[ro + row * LD + EV]'};
      var dd = 0.0;
      ${bq > 0 ? 'dd = dt[r];' : DD_FROM_ROWS}
      ${step(
        kind,
        Q,
        (x) => `kr[${x}]`,
        (x) => `vr[${x}]`,
        DY,
      )}
      for (var x = 0u; x < EV; x++) { dv[x] += p * ${DY('x')}; }
      for (var x = 0u; x < E; x++) { dk[x] += ds * ${Q('x')}; }
    }
  }
  if (j < S) {
    for (var x = 0u; x < E; x++) { grad[go + L * E + j * E + x] = dk[x]; }
    for (var x = 0u; x < EV; x++) { grad[go + L * E + S * E + j * EV + x] = dv[x]; }
  }
}`;
  return [bindings({ name: 'grad', type: 'f32' }, ins), helpersFor(main), main].join('\n');
}

/** The WebGPU fused attention backward (float32): the dK/dV pass, then the dQ pass, into one packed output. */
export const attentionBackward: Kernel<AttentionAttrs> = ({ backend, inputs, attrs, out }) => {
  const op = 'scaledDotProductAttentionBackward';
  const gpu = gpuOf(backend);
  const grad = gpu.alloc(op, out.size, out.dtype);
  if (out.size === 0) return grad;
  const [q, k, v] = inputs;
  const lay = attentionLayout(q.shape, k.shape, v.shape, attrs.mask === 'none' ? undefined : inputs[3].shape);
  const ins = inputs.map((t) => asGpu(t.dataId, op));
  for (const [pass, rowsPerMatrix] of [
    ['kv', lay.s],
    ['q', lay.l],
  ] as const) {
    const blocks = Math.ceil(rowsPerMatrix / WG);
    if (blocks === 0) continue;
    const spec = {
      key: `attention-bwd:${pass}:${lay.e}:${lay.ev}:${attrs.mask}`,
      code: () => shader(pass, lay.e, lay.ev, attrs.mask),
      inputs: ins.length,
    };
    gpu.dispatch(spec, grad, ins, attentionParams(op, lay, attrs, blocks), foldGroups(lay.batch * blocks, gpu.maxGroupsPerDim));
  }
  return grad;
};
