/**
 * An elementwise op defined only by its expression: mish(x) = x·tanh(softplus(x))
 * (Misra 2019). No kernel is written: every backend runs it through its one `elementwise`
 * kernel (wasm SIMD or TypeScript on the CPU, WGSL on WebGPU, and backends published
 * later), compiled steps fuse it with its neighbours, and its gradient is derived from the
 * expression.
 */
import { defineElementwise, ex, runOp, type OpDef, type OpsPlugin, CORE_API_VERSION, type Tensor } from '@tessera/core';

const x = ex.input(0);
/** softplus(x) = max(x, 0) + log1p(e^(−|x|)), finite for any x. */
const softplus = ex.add(ex.max(x, 0), ex.log1p(ex.exp(ex.neg(ex.abs(x)))));

/** The op: a name and an expression (dtypes default to float). */
const mishDef: OpDef<Record<string, never>> = defineElementwise({ name: 'mish', expr: ex.mul(x, ex.tanh(softplus)) });

/** Installs the op definition (so `ops()` and the conformance coverage know it): `use(mishPlugin())`. */
export function mishPlugin(): OpsPlugin {
  return { kind: 'ops', name: 'mish', coreApi: CORE_API_VERSION, ops: [mishDef as OpDef<never>] };
}

/** mish(x) = x·tanh(softplus(x)), on whatever backend x lives. */
export function mish(t: Tensor): Tensor {
  return runOp(mishDef, [t], {});
}
