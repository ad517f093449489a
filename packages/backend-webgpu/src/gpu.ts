import { BackendError } from '@tessera/core';
import { quietAdapterProbe } from './quiet-probe.js';

/** What to do when Node has no adapter. */
const NO_ADAPTER_HINT =
  'In Node without a GPU, install a software Vulkan driver (Debian: `apt-get install chromium libvulkan1`) and set ' +
    'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.';

/**
 * The object returned by the `webgpu` package's `create()` in Node. It is kept here for
 * the life of the process: Dawn crashes if it is garbage-collected while a device is in
 * use.
 */
let nodeGpu: GPU | null = null;

/** Options for finding a `GPU` object. */
export interface GpuSource {
  /** A `GPU` to use (e.g. `navigator.gpu` of another realm, or one from `webgpu`'s `create()`). */
  readonly gpu?: GPU;
  /** Flags for the `webgpu` package's `create()` in Node, e.g. `['backend=vulkan']`. */
  readonly nodeFlags?: readonly string[];
}

interface NodeWebGpuModule {
  create(flags: string[]): GPU;
}

/**
 * Loads the `webgpu` package (Dawn) in Node. The specifier is a variable so that bundlers
 * do not pull the native module into browser builds.
 */
async function loadNodeGpu(flags: readonly string[]): Promise<GPU | null> {
  if (nodeGpu) return nodeGpu;
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  const isNode = typeof proc?.versions?.node === 'string';
  if (!isNode) return null;
  const specifier = 'webgpu';
  let mod: NodeWebGpuModule;
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as NodeWebGpuModule;
  } catch (e) {
    throw new BackendError(
      `webgpu: no navigator.gpu, and the 'webgpu' package (Dawn for Node) could not be loaded (${(e as Error).message}). Install it: ` +
        `\`npm i webgpu\`.`,
    );
  }
  // Without explicit flags, a machine with no visible Vulkan driver is asked in a child
  // process first, so Dawn's loader warnings do not reach the user's terminal.
  const url = flags.length === 0 ? resolveModule(specifier) : null;
  const why = url ? await quietAdapterProbe(url) : null;
  if (why) throw new BackendError(`webgpu: ${why}. ${NO_ADAPTER_HINT}`);
  nodeGpu = mod.create([...flags]);
  return nodeGpu;
}

/** The URL a bare specifier resolves to from this module, or null where it cannot be told. */
function resolveModule(specifier: string): string | null {
  try {
    return typeof import.meta.resolve === 'function' ? import.meta.resolve(specifier) : null;
  } catch {
    return null;
  }
}

/** The `GPU` entry point: the injected one, `navigator.gpu`, or Dawn in Node. */
export async function findGpu(source: GpuSource = {}): Promise<GPU> {
  if (source.gpu) return source.gpu;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const g = await loadNodeGpu(source.nodeFlags ?? []);
  if (!g)
    throw new BackendError(
      'webgpu: this environment has no WebGPU (navigator.gpu is undefined). Use a browser with WebGPU enabled, or Node with the `webgpu` ' +
        'package.',
    );
  return g;
}

/** Requests an adapter; a missing one is a BackendError (so `init()` falls back). */
export async function requestAdapter(gpu: GPU, options?: GPURequestAdapterOptions): Promise<GPUAdapter> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(options);
  } catch (e) {
    throw new BackendError(`webgpu: requestAdapter failed (${(e as Error).message}).`);
  }
  if (!adapter) {
    throw new BackendError(
      `webgpu: no GPU adapter is available. ${NO_ADAPTER_HINT}`,
    );
  }
  return adapter;
}

/** Most storage buffers one Tessera kernel binds (output + up to 3 inputs). */
const MAX_KERNEL_STORAGE_BUFFERS = 4;

/** Limits the backend asks for: the adapter's maximum of each that matters for compute. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Requests a device with the adapter's largest compute limits (and shader-f16 when offered). */
export async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const k of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number | undefined>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'tessera' });
  } catch (e) {
    throw new BackendError(`webgpu: requestDevice failed (${(e as Error).message}).`);
  }
  if (device.limits.maxStorageBuffersPerShaderStage < MAX_KERNEL_STORAGE_BUFFERS) {
    device.destroy();
    throw new BackendError(
      `webgpu: the device allows ${device.limits.maxStorageBuffersPerShaderStage} storage buffers per shader stage; Tessera's kernels ` +
        `bind up to ${MAX_KERNEL_STORAGE_BUFFERS}.`,
    );
  }
  return device;
}
