import { defineElementwise, ex, resetRegistry, runOp } from '@tessera/core';
import { defineCase, input, runConformance } from '@tessera/conformance';
import { afterAll, it } from 'vitest';
import { HOW_TO_ENABLE, REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';

/** A plugin's op defined only by its expression (swish with β as a scalar): no WebGPU kernel. */
const x = ex.input(0);
const swish = defineElementwise<{ beta: number }>({
  name: 'plugin.swish',
  expr: ({ beta }) => ({ expr: ex.div(x, ex.add(1, ex.exp(ex.neg(ex.mul(x, ex.scalar(0)))))), scalars: [beta] }),
});
const swishCase = defineCase('plugin.swish', '[3, 4] β 1.5', [input.follow([3, 4])], ([t]) => runOp(swish, [t], { beta: 1.5 }), { tol: 'transcendental' });

// The whole backend test kit against WebGPU (SwiftShader where there is no GPU), plus the
// plugin op that runs through the expression kernel.
if (unavailable === null) {
  runConformance({ backend: testPlugin(), cases: [swishCase] });
  afterAll(() => resetRegistry());
} else if (REQUIRE_GPU) {
  it('has a WebGPU adapter (required in CI)', () => {
    throw new Error(`CI requires the WebGPU tests to run, but: ${unavailable}`);
  });
} else {
  it.skip(HOW_TO_ENABLE, () => {});
}
