import { describe, expect, it } from 'vitest';
import { defineOp, ex, runOp, tensor, use, type Tensor } from '@tessera/core';
import { cpu } from '../src/index.js';

// The README's example: a plugin elementwise op with no kernel anywhere runs on this
// backend through its expression kernel.
describe('a plugin elementwise op', () => {
  it('runs through the elementwise kernel with its expression and run-time scalars', () => {
    use(cpu());
    const x = ex.input(0);
    // swish_β(x) = x·sigmoid(β·x), β a run-time scalar.
    const swish = defineOp<{ beta: number }>({
      name: 'plugin.swish',
      infer: ([t]) => ({ shape: [...t.shape], dtype: t.dtype }),
      nonDifferentiable: true,
      elementwise: ({ beta }) => ({ expr: ex.div(x, ex.add(1, ex.exp(ex.neg(ex.mul(ex.scalar(0), x))))), scalars: [beta] }),
    });
    const xs = [-3, -0.5, 0, 0.5, 2, 30];
    const t: Tensor = tensor(xs);
    for (const beta of [1, 2.5]) {
      const got = runOp(swish, [t], { beta }).dataSync();
      xs.forEach((v, i) => {
        const z = Math.fround(beta * v);
        const want = Math.fround(v / Math.fround(1 + Math.fround(Math.exp(Math.fround(-z)))));
        expect(got[i]).toBe(want);
      });
    }
  });
});
