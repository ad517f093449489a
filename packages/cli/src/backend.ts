import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { CliError } from './errors.js';

/** Backends `--backend` accepts. */
export const BACKENDS = ['auto', 'cpu', 'webgpu'] as const;

type WebGpuModule = { webgpu: (opts?: Record<string, unknown>) => Parameters<typeof use>[0] };

/** Loads @tessera/backend-webgpu if it is installed (it is optional for the CLI). */
async function loadWebGpu(): Promise<WebGpuModule | null> {
  const name = '@tessera/backend-webgpu';
  try {
    return (await import(/* @vite-ignore */ name)) as WebGpuModule;
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
    if (choice === 'webgpu') throw new CliError('--backend webgpu needs the @tessera/backend-webgpu package: npm install @tessera/backend-webgpu (and, in Node, the webgpu package).');
    return init({ backends: ['cpu'] });
  }
  use(gpu.webgpu());
  try {
    return await init({ backends: choice === 'webgpu' ? ['webgpu'] : ['webgpu', 'cpu'], onFallback: log });
  } catch (e) {
    throw new CliError(`--backend webgpu: ${(e as Error).message}`);
  }
}
