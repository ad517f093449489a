import { cpu } from '@tessera/backend-cpu';
import { defineCase, input, runConformance } from '@tessera/conformance';
import { gradients, kernelsFor, noGrad, tensor, tidy, use } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { mish, mishPlugin } from '../src/mish.js';

use(cpu());
use(mishPlugin());

const ref = (v: number) => v * Math.tanh(Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0));

describe('mish (an op defined only by an expression)', () => {
  it('has no kernel anywhere, yet runs', () => {
    expect(kernelsFor('mish')).toEqual([]);
    tidy(() => {
      const xs = [-40, -3, -0.5, 0, 0.5, 3, 40];
      const got = mish(tensor(xs, { dtype: 'float64' })).dataSync();
      xs.forEach((v, i) => expect(got[i]).toBeCloseTo(ref(v), 13));
    });
  });

  it('rejects int32 with a DTypeError naming the op', () => {
    expect(() => mish(tensor([1, 2], { dtype: 'int32' }))).toThrow(/mish: expects a float dtype/);
  });

  it('its derived gradient matches central finite differences (float64)', () => {
    tidy(() => {
      const xs = [-3, -1.2, -0.3, 0.1, 0.8, 2.5];
      const t = tensor(xs, { dtype: 'float64', requiresGrad: true });
      const [g] = gradients(mish(t), [t]);
      const f = (v: number) => noGrad(() => mish(tensor([v], { dtype: 'float64' })).dataSync()[0]);
      g.dataSync().forEach((gi, i) => {
        const fd = (f(xs[i] + 1e-6) - f(xs[i] - 1e-6)) / 2e-6;
        expect(Math.abs(gi - fd)).toBeLessThan(1e-8);
      });
    });
  });
});

// The conformance kit on the CPU with mish as an extra case.
runConformance({
  backend: cpu(),
  chains: 5,
  compiledChains: 5,
  cases: [
    defineCase('mish', '[3, 1, 4]', [input.follow([3, 1, 4])], ([t]) => mish(t), { tol: 'transcendental' }),
    defineCase('mish', '[]', [input.follow([])], ([t]) => mish(t), { tol: 'transcendental' }),
  ],
});
