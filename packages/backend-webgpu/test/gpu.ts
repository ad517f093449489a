import { existsSync } from 'node:fs';
import { webgpu, type WebGpuOptions } from '../src/index.js';
import { findGpu } from '../src/gpu.js';
import type { BackendPlugin } from '@tessera/core';

/** SwiftShader's Vulkan driver as Debian's chromium package ships it. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Points Dawn's Vulkan loader at SwiftShader when no driver is chosen and the file exists
 * (set TESSERA_WEBGPU_NATIVE=1 to use the machine's own GPU driver instead).
 */
if (!process.env.VK_ICD_FILENAMES && !process.env.TESSERA_WEBGPU_NATIVE && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/** True in CI, where a missing adapter must fail the WebGPU tests instead of skipping them. */
export const REQUIRE_GPU = process.env.CI === 'true' || process.env.TESSERA_REQUIRE_WEBGPU === '1';

/** Why WebGPU is unavailable, or null when an adapter was found. */
async function probe(): Promise<string | null> {
  try {
    const gpu = await findGpu();
    const adapter = await gpu.requestAdapter();
    return adapter ? null : 'no WebGPU adapter';
  } catch (e) {
    return (e as Error).message;
  }
}

/** Null when WebGPU runs here, else the reason (tests skip with it, or fail in CI). */
export const unavailable: string | null = await probe();

/** How to enable the WebGPU tests where they skip. */
export const HOW_TO_ENABLE =
  'WebGPU tests skipped: ' +
  `${unavailable}. To run them without a GPU: apt-get install -y --no-install-recommends chromium libvulkan1 ` +
  `(SwiftShader's Vulkan driver at ${SWIFTSHADER_ICD}).`;

/** The plugin under test, small batches so encoder batching is exercised. */
export function testPlugin(options: WebGpuOptions = {}): BackendPlugin {
  return webgpu({ batchSize: 16, ...options });
}
