import { cpu } from '@tessera/backend-cpu';
import { defineCase, input, runConformance } from '@tessera/conformance';
import { gradients, kernelsFor, noGrad, sigmoid, tensor, tidy, use } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { swish, swishPlugin } from '../src/swish.js';

use(cpu());
use(swishPlugin());

describe('swish (custom op)', () => {
  it('is installed with a CPU kernel', () => {
    expect(kernelsFor('swish')).toContain('cpu');
  });

  it('values match x·sigmoid(x)', () => {
    tidy(() => {
      const x = tensor([-30, -2, -0.5, 0, 0.5, 2, 30], { dtype: 'float64' });
      const got = swish(x).dataSync();
      const want = x.mul(sigmoid(x)).dataSync();
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThan(1e-12));
      expect(swish(tensor([1, 2], { dtype: 'float32' })).dtype).toBe('float32');
    });
  });

  it('rejects int32 with a DTypeError', () => {
    expect(() => swish(tensor([1, 2], { dtype: 'int32' }))).toThrow(/swish: expects a float dtype/);
  });

  it('gradient matches central finite differences (float64)', () => {
    tidy(() => {
      const xs = [-3, -1.2, -0.3, 0.1, 0.8, 2.5];
      const x = tensor(xs, { dtype: 'float64', requiresGrad: true });
      const [g] = gradients(swish(x), [x]);
      const f = (v: number) => noGrad(() => swish(tensor([v], { dtype: 'float64' })).dataSync()[0]);
      const eps = 1e-6;
      g.dataSync().forEach((gi, i) => {
        const fd = (f(xs[i] + eps) - f(xs[i] - eps)) / (2 * eps);
        expect(Math.abs(gi - fd)).toBeLessThan(1e-8);
      });
    });
  });
});

// The whole conformance kit on the CPU, with swish added as an extra case: forward vs
// the CPU, float64 finite differences, float32 gradients, and a 'plugin' coverage row.
runConformance({
  backend: cpu(),
  chains: 10,
  cases: [
    defineCase('swish', '[3, 1, 4]', [input.follow([3, 1, 4])], ([x]) => swish(x), { tol: 'transcendental' }),
    defineCase('swish', '[]', [input.follow([])], ([x]) => swish(x), { tol: 'transcendental' }),
  ],
});
