import type { AnyKernel, Kernel } from '@tessera/core';
import { gpuOf } from './gpu-of.js';
import { runMap } from './map.js';

/**
 * Fused optimizer updates for the composite ops of @tessera/optim (`optim.ema`,
 * `optim.emaSquare`, `optim.sgdStep`, `optim.adamStep`): one elementwise kernel each
 * instead of 2–7 kernels and their temporaries. Keyed by op name only, so this package
 * does not depend on @tessera/optim; the engine uses them whenever those ops run here.
 */
interface FusedUpdate {
  readonly vars: readonly string[];
  /** WGSL in `vars` and the float attributes a0, a1, … (in `attrs` order). */
  readonly expr: string;
  readonly attrs: readonly string[];
}

const UPDATES: Readonly<Record<string, FusedUpdate>> = {
  'optim.ema': { vars: ['s', 'x'], expr: 's * a0 + x * a1', attrs: ['decay', 'scale'] },
  'optim.emaSquare': { vars: ['v', 'x'], expr: 'v * a0 + x * x * a1', attrs: ['decay', 'scale'] },
  'optim.sgdStep': { vars: ['p', 'd'], expr: 'p - d * a0', attrs: ['lr'] },
  'optim.adamStep': { vars: ['p', 'm', 'v'], expr: 'p - a0 * (m / a2) / (sqrt(v / a3) + a1)', attrs: ['lr', 'eps', 'bc1', 'bc2'] },
};

function fusedUpdate(name: string, u: FusedUpdate): Kernel<Readonly<Record<string, number>>> {
  return ({ backend, inputs, attrs, out }) =>
    runMap(
      gpuOf(backend),
      { name, vars: u.vars, inTypes: u.vars.map(() => 'f32'), outType: 'f32', expr: u.expr, attrs: u.attrs.map((a) => attrs[a]) },
      inputs,
      out,
    );
}

/** The fused optimizer kernels by op name. */
export const optimKernels: Readonly<Record<string, AnyKernel>> = Object.fromEntries(
  Object.entries(UPDATES).map(([name, u]) => [name, fusedUpdate(name, u) as AnyKernel]),
);
