import { resetRegistry } from '@tessera/core';
import { runConformance } from '@tessera/conformance';
import { afterAll, it } from 'vitest';
import { HOW_TO_ENABLE, REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';

// The whole backend test kit against WebGPU (SwiftShader where there is no GPU).
if (unavailable === null) {
  runConformance({ backend: testPlugin() });
  afterAll(() => resetRegistry());
} else if (REQUIRE_GPU) {
  it('has a WebGPU adapter (required in CI)', () => {
    throw new Error(`CI requires the WebGPU tests to run, but: ${unavailable}`);
  });
} else {
  it.skip(HOW_TO_ENABLE, () => {});
}
