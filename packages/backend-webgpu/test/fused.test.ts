import * as T from '@tessera/core';
import type { OpDef, TensorInfo } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';
import { onBoth, useBackends, values, worstError } from './helpers.js';

// Stand-ins for @tessera/optim's composite update ops (same names, same formulas): the
// CPU runs the decomposition, webgpu its fused kernel.
const same = (inputs: readonly TensorInfo[]) => ({ shape: [...inputs[0].shape], dtype: inputs[0].dtype });
type Attrs = Readonly<Record<string, number>>;
const op = (name: string, decompose: OpDef<Attrs>['decompose']): OpDef<Attrs> => ({ name, infer: same, decompose, nonDifferentiable: true });
const UPDATES: [OpDef<Attrs>, number, Attrs][] = [
  [op('optim.ema', ([s, x], a) => s.mul(a.decay).add(x.mul(a.scale))), 2, { decay: 0.9, scale: 0.1 }],
  [op('optim.emaSquare', ([v, x], a) => v.mul(a.decay).add(x.square().mul(a.scale))), 2, { decay: 0.999, scale: 0.001 }],
  [op('optim.sgdStep', ([p, d], a) => p.sub(d.mul(a.lr))), 2, { lr: 0.05 }],
  [op('optim.adamStep', ([p, m, v], a) => p.sub(m.div(a.bc1).div(v.div(a.bc2).sqrt().add(a.eps)).mul(a.lr))), 3, { lr: 1e-3, eps: 1e-8, bc1: 0.1, bc2: 0.001 }],
];

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('fused kernels', () => {
  useBackends(testPlugin());

  for (const [def, arity, attrs] of UPDATES) {
    it(`${def.name} matches its decomposition in one dispatch`, async () => {
      const inputs = Array.from({ length: arity }, (_, k) => ({ data: values(300, 40 + k).map(Math.abs), shape: [3, 100] }));
      const d0 = T.getBackend('webgpu').info?.().dispatches as number;
      const r = await onBoth(inputs, (xs) => T.runOp(def, xs, attrs));
      expect(T.getBackend('webgpu').info?.().dispatches).toBe(d0 + 1);
      expect(worstError(r.gpu, r.cpu, 1e-5, 1e-7)).toBeLessThanOrEqual(1);
    });
  }

  it('softmax and logSoftmax over long contiguous rows (a workgroup per row)', async () => {
    const x = { data: values(3 * 1000, 51).map((v) => v * 30), shape: [3, 1000] };
    for (const f of [T.softmax, T.logSoftmax]) {
      const r = await onBoth([x], ([t]) => f(t));
      expect(worstError(r.gpu, r.cpu, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    }
  });

  it('softmax and logSoftmax along a middle axis of a long row', async () => {
    const x = { data: values(2 * 700 * 3, 50).map((v) => v * 20), shape: [2, 700, 3] };
    for (const f of [T.softmax, T.logSoftmax]) {
      const r = await onBoth([x], ([t]) => f(t, 1));
      expect(worstError(r.gpu, r.cpu, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    }
  });
});
