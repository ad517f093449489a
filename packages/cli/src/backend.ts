import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { CliError } from './errors.js';

/** Backends `--backend` accepts. */
export const BACKENDS = ['auto', 'cpu', 'webgpu'] as const;

type WebGpuModule = {
  webgpu: (opts?: Record<string, unknown>) => Parameters<typeof use>[0];
  adapterInfo: () => Promise<{ readonly description: string; readonly software: boolean }>;
};

/** Loads @tessera/backend-webgpu on demand (Node also needs the optional `webgpu` package). */
async function loadWebGpu(): Promise<WebGpuModule | null> {
  try {
    return (await import('@tessera/backend-webgpu')) as WebGpuModule;
  } catch {
    return null;
  }
}

/**
 * Installs the requested backend and returns the one in use. 'auto' tries WebGPU (when
 * its package and an adapter are present) and falls back to the CPU.
 */
export async function setupBackend(choice: string, log: (s: string) => void): Promise<string> {
  use(cpu());
  if (choice === 'cpu') return init({ backends: ['cpu'] });
  const gpu = await loadWebGpu();
  if (!gpu) {
    if (choice === 'webgpu')
      throw new CliError(
        '--backend webgpu needs the @tessera/backend-webgpu package: npm install @tessera/backend-webgpu (and, in Node, the webgpu ' +
          'package).',
      );
    return init({ backends: ['cpu'] });
  }
  if (choice === 'auto') {
    // A software adapter (SwiftShader, llvmpipe) is far slower than the CPU backend.
    const info = await gpu.adapterInfo().catch(() => null);
    if (!info) return init({ backends: ['cpu'] });
    if (info.software) {
      log(`Note: the WebGPU adapter is a software renderer (${info.description}); using the CPU backend (--backend webgpu forces it).`);
      return init({ backends: ['cpu'] });
    }
  }
  use(gpu.webgpu());
  if (choice !== 'webgpu') return init({ backends: ['webgpu', 'cpu'], onFallback: log });
  // Forced: no fallback to announce, so the failure is reported once, as the error.
  let failure: string | null = null;
  try {
    return await init({ backends: ['webgpu'], onFallback: (m) => void (failure = m) });
  } catch (e) {
    throw new CliError(`--backend webgpu: ${failure ?? (e as Error).message}`);
  }
}
