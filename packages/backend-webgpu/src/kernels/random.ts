import type { Kernel, PrimitiveAttrs } from '@tessera/core';
import { wgslType } from '../storage.js';
import { pu } from '../wgsl/params.js';
import { convert } from '../wgsl/scalar.js';
import { bindings, ELEMENT_WG, perElementMain } from '../wgsl/shader.js';
import { gpuOf } from './gpu-of.js';

/**
 * Core's counter-based generator (rng.ts) in WGSL: u32 multiplies wrap like Math.imul,
 * so `uniform` matches the CPU bit for bit; `normal` is Box–Muller in f32.
 */
const RNG = `fn mix32(x0: u32) -> u32 {
  var x = x0;
  x ^= x >> 16u; x *= 0x7feb352du; x ^= x >> 15u; x *= 0x846ca68bu; x ^= x >> 16u;
  return x;
}
fn uniformAt(i: u32) -> f32 {
  let h = mix32(mix32(i + ${pu(1)} * 0x9e3779b9u) ^ ${pu(2)});
  return f32(h >> 8u) * 5.960464477539063e-8;
}`;

const DIST = {
  uniform: 'uniformAt(i)',
  normal: `normalAt(i)`,
} as const;

const NORMAL = `fn normalAt(i: u32) -> f32 {
  let j = i & ~1u;
  let u1 = 1.0 - uniformAt(j);
  let u2 = uniformAt(j + 1u);
  let r = sqrt(-2.0 * log(u1));
  let theta = 6.283185307179586 * u2;
  return select(r * sin(theta), r * cos(theta), (i & 1u) == 0u);
}`;

/** Fills the output with uniform [0, 1) or standard normal numbers for key (key0, key1). */
export const random: Kernel<PrimitiveAttrs['random']> = ({ backend, attrs: { dist, key0, key1 }, out }) => {
  const gpu = gpuOf(backend);
  const y = gpu.alloc('random', out.size, out.dtype);
  if (out.size === 0) return y;
  const t = wgslType(out.dtype);
  const code = () =>
    [
      bindings({ name: 'y', type: t }, []),
      RNG,
      dist === 'normal' ? NORMAL : '',
      perElementMain(`  y[i] = ${convert(DIST[dist], 'f32', t)};`),
    ].join('\n');
  gpu.dispatch(
    { key: `random:${dist}:${t}`, code, inputs: 0 },
    y,
    [],
    [out.size, key0 >>> 0, key1 >>> 0],
    gpu.groupsFor(out.size, ELEMENT_WG),
  );
  return y;
};
