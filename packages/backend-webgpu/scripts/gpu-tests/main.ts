/**
 * Entry of the GPU test bundle: the WebGPU test files (conformance kit, GEMM tiles, fused
 * kernels, the 1,000-step training loop, compiled steps) on the machine's own GPU driver,
 * through the vitest shim. `env.ts` runs first (imports are evaluated in order).
 */
import './env.js';
import '../../test/conformance.test.js';
import '../../test/gemm.test.js';
import '../../test/fused.test.js';
import '../../test/training.test.js';
import '../../test/compiled.test.js';
import { run } from './vitest-shim.js';

const t0 = performance.now();
const c = await run((l) => console.log(l));
console.log(
  `webgpu tests: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
process.exit(c.failed ? 1 : 0);
