/**
 * The one WebGPU entry point both GPU columns share. In a browser-like realm it is
 * `navigator.gpu`; in Node it is one Dawn instance from the `webgpu` package's `create([])`,
 * kept referenced here for the life of the process (Dawn crashes if it is collected while a
 * device is alive) and installed as `globalThis.navigator.gpu` (with Dawn's `GPUBufferUsage`
 * & co. globals), which is where `@tensorflow/tfjs-backend-webgpu` looks for it. Tessera
 * gets the same object through `webgpu({ gpu })`, and both ask it for a high-performance
 * adapter, so the tessera-webgpu and tfjs-webgpu rows run on the same adapter.
 */
import { describeAdapter, type AdapterReport } from '@tessera/backend-webgpu';

/** Adapter options both libraries use (tfjs-backend-webgpu asks for exactly this). */
export const ADAPTER_OPTIONS: GPURequestAdapterOptions = { powerPreference: 'high-performance' };

/** The shared GPU entry point and what its adapter is. */
export interface SharedGpu {
  readonly gpu: GPU;
  /** The adapter both libraries will be handed (vendor, architecture, limits...). */
  readonly report: AdapterReport;
  /** Where `gpu` came from. */
  readonly source: 'navigator.gpu' | 'webgpu (Dawn)';
}

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/** The Dawn GPU object, held for the whole process (see the file comment). */
let dawnGpu: GPU | null = null;
let shared: Promise<SharedGpu> | null = null;

/** Thrown when no usable adapter is found; main prints it as "NOT AVAILABLE (message)". */
export class NoGpuAdapter extends Error {}

/**
 * Makes `gpu` reachable as `navigator.gpu` on `target` (globalThis in the bench): Node 20
 * has no `navigator`; Node 21+ has one without `gpu`. Existing globals are not replaced.
 */
export function installNavigatorGpu(target: Record<string, unknown>, gpu: GPU, globals: Record<string, unknown> = {}): void {
  for (const [k, v] of Object.entries(globals)) if (!(k in target)) target[k] = v;
  const nav = target.navigator as { gpu?: GPU } | undefined;
  if (nav === undefined || nav === null) {
    target.navigator = { gpu };
  } else if (!nav.gpu) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, enumerable: true });
  }
}

/** One line for the report header: vendor, architecture, description, software or not. */
export function adapterLine(r: AdapterReport): string {
  const parts = [r.vendor, r.architecture, r.device, r.description].filter((s) => s !== '');
  const unique = parts.filter((s, i) => parts.indexOf(s) === i);
  return `${unique.join(' / ') || 'unnamed adapter'}${r.software ? ' (software adapter)' : ''}${r.shaderF16 ? ', shader-f16' : ''}`;
}

/**
 * Why a GPU column should not run on this adapter, or undefined if it should. A software
 * adapter (SwiftShader, about 0.1-0.4 GFLOP/s) runs only when a `--libs` entry names webgpu.
 */
export function skipReason(r: AdapterReport, explicit: boolean): string | undefined {
  if (!r.software || explicit) return undefined;
  return `only a software adapter (${adapterLine(r)}); name webgpu in --libs to run on it anyway`;
}

async function loadDawn(): Promise<GPU> {
  if (dawnGpu) return dawnGpu;
  const specifier = 'webgpu';
  let mod: DawnModule;
  try {
    mod = (await import(specifier)) as DawnModule;
  } catch (e) {
    throw new NoGpuAdapter(
      `the 'webgpu' package (Dawn for Node) could not be loaded: ${String((e as Error)?.message ?? e).split('\n')[0]}`,
    );
  }
  dawnGpu = mod.create([]);
  installNavigatorGpu(globalThis as unknown as Record<string, unknown>, dawnGpu, mod.globals);
  return dawnGpu;
}

async function acquire(): Promise<SharedGpu> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const fromNavigator = nav?.gpu !== undefined;
  const gpu = fromNavigator ? (nav.gpu as GPU) : await loadDawn();
  const adapter = await gpu.requestAdapter(ADAPTER_OPTIONS);
  if (!adapter) {
    throw new NoGpuAdapter(
      'no WebGPU adapter found (no GPU driver; for SwiftShader: apt-get install chromium libvulkan1 and ' +
        'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)',
    );
  }
  // Only described: the adapter is not consumed (each library requests its own device).
  return { gpu, report: describeAdapter(adapter), source: fromNavigator ? 'navigator.gpu' : 'webgpu (Dawn)' };
}

/** The shared GPU entry point and adapter report; created once, on first use. */
export function sharedGpu(): Promise<SharedGpu> {
  shared ??= acquire();
  return shared;
}
