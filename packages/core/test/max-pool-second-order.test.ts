import { describe, expect, it } from 'vitest';
import { type Pool2dAttrs, gradOf, mul, maxPool2d, primitiveDefs, randn, runOp, square, sum, tensor } from '@tessera/core';
import { expectFiniteDifferences } from './grad-check.js';
import { useCpu } from './setup.js';

useCpu();

const F64 = { dtype: 'float64' } as const;

describe('maxPool2d second order', () => {
  it('the gradient of maxPool2dBackward reads the upstream gradient at each window\'s first maximum', () => {
    // One plane [1, 1, 3, 4], kernel 2, stride 2, padding 1 on the right only: windows [0..1]×[0..1], [0..1]×[2..3], [2]×[0..1], [2]×[2..3].
    const x = tensor([[[[1, 5, 2, 2], [3, 4, 8, 0], [7, 6, -1, -3]]]], F64);
    const dy = tensor([[[[1, 1], [1, 1]]]], { ...F64, requiresGrad: true });
    const attrs: Pool2dAttrs = { kernel: [2, 2], strides: [2, 2], pads: [0, 1, 0, 0] };
    const g = tensor([[[[10, 20, 30, 40], [50, 60, 70, 80], [90, 100, 110, 120]]]], F64);
    const dx = runOp(primitiveDefs.maxPool2dBackward, [dy, x], attrs);
    const gdy = gradOf((d) => sum(mul(runOp(primitiveDefs.maxPool2dBackward, [d, x], attrs), g)))(dy);
    // Window maxima: 5 at (0,1) → 20; 8 at (1,2) → 70; 7 at (2,0) → 90 (row 3 is padding); −1 at (2,2) → 110.
    expect(Array.from(gdy.dataSync())).toEqual([20, 70, 90, 110]);
    expect(Array.from(dx.dataSync())).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0]);
  });

  it('double backward through maxPool2d matches finite differences (float64)', () => {
    const x = randn([2, 2, 5, 5], { ...F64, requiresGrad: true });
    const v = randn([2, 2, 5, 5], F64);
    const o = { kernelSize: 3, stride: 2, padding: 1 };
    // f(x) = <∇ₓ Σ maxPool(x)², v>: differentiating it goes through maxPool2dBackward's gradient.
    expectFiniteDifferences(() => sum(mul(gradOf((z) => sum(square(maxPool2d(z, o))))(x), v)), [x]);
  });

  it('ties go to the first maximum in row-major order, as the forward kernel picks', () => {
    const x = tensor([[[[2, 2], [2, 2]]]], F64);
    const g = gradOf((z) => sum(mul(gradOf((w) => sum(square(maxPool2d(w, { kernelSize: 2 }))))(z), tensor([[[[1, 2], [3, 4]]]], F64))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 0, 0, 0]);
  });
});
