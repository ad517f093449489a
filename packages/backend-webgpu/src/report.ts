import { findGpu, requestAdapter, type GpuSource } from './gpu.js';

/** What `adapterInfo()` reports about a WebGPU adapter. */
export interface AdapterReport {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for a software or fallback adapter (e.g. SwiftShader). */
  readonly software: boolean;
  /** Whether `shader-f16` (half-precision arithmetic in WGSL) is offered. */
  readonly shaderF16: boolean;
  /** Feature names, sorted. */
  readonly features: readonly string[];
  /** Every numeric limit of the adapter, by name. */
  readonly limits: Readonly<Record<string, number>>;
}

/** Limit names of the WebGPU specification (read one by one: they are prototype getters). */
const LIMIT_NAMES = [
  'maxTextureDimension1D', 'maxTextureDimension2D', 'maxTextureDimension3D', 'maxTextureArrayLayers',
  'maxBindGroups', 'maxBindingsPerBindGroup', 'maxDynamicUniformBuffersPerPipelineLayout',
  'maxDynamicStorageBuffersPerPipelineLayout', 'maxSampledTexturesPerShaderStage', 'maxSamplersPerShaderStage',
  'maxStorageBuffersPerShaderStage', 'maxStorageTexturesPerShaderStage', 'maxUniformBuffersPerShaderStage',
  'maxUniformBufferBindingSize', 'maxStorageBufferBindingSize', 'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment', 'maxVertexBuffers', 'maxBufferSize', 'maxVertexAttributes',
  'maxVertexBufferArrayStride', 'maxInterStageShaderVariables', 'maxColorAttachments',
  'maxColorAttachmentBytesPerSample', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Builds the report of an adapter (no device is created). */
export function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info as GPUAdapterInfo | undefined;
  const limits: Record<string, number> = {};
  for (const k of LIMIT_NAMES) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[k];
    if (typeof v === 'number') limits[k] = v;
  }
  const features = [...adapter.features].map(String).sort();
  const text = `${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.device ?? ''} ${info?.description ?? ''}`;
  const fallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    software: fallback || /swiftshader|llvmpipe|software|warp/i.test(text),
    shaderF16: features.includes('shader-f16'),
    features,
    limits,
  };
}

/**
 * Reports the WebGPU adapter this environment offers (vendor, architecture, limits,
 * features incl. shader-f16) — the `tessera info` view. Throws a BackendError if there is
 * no adapter.
 *
 * @example
 * const r = await adapterInfo();
 * console.log(r.vendor, r.architecture, r.shaderF16, r.limits.maxStorageBufferBindingSize);
 */
export async function adapterInfo(options: GpuSource & { readonly powerPreference?: GPUPowerPreference } = {}): Promise<AdapterReport> {
  const gpu = await findGpu(options);
  const adapter = await requestAdapter(gpu, options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  return describeAdapter(adapter);
}
