import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetRegistry } from '@tessera/core';
import { setupBackend } from '../src/backend.js';
import { CliError } from '../src/errors.js';

// A WebGPU backend that cannot start, as on a machine without a usable adapter.
vi.mock('@tessera/backend-webgpu', async () => {
  const { CORE_API_VERSION } = await import('@tessera/core');
  return {
    adapterInfo: async () => ({ description: 'test adapter', software: false }),
    webgpu: () => ({
      kind: 'backend',
      name: 'webgpu',
      priority: 10,
      coreApi: CORE_API_VERSION,
      create: async () => {
        throw new Error('no WebGPU adapter (navigator.gpu.requestAdapter() returned null)');
      },
    }),
  };
});

afterEach(() => resetRegistry());

describe('--backend', () => {
  it('webgpu that cannot start is reported once, as the error', async () => {
    const log = vi.fn();
    const err = await setupBackend('webgpu', log).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toBe(
      "--backend webgpu: backend 'webgpu' failed to start: no WebGPU adapter (navigator.gpu.requestAdapter() returned null)",
    );
    expect(log).not.toHaveBeenCalled();
  });

  it('auto falls back to the CPU with one note', async () => {
    const log = vi.fn();
    await expect(setupBackend('auto', log)).resolves.toBe('cpu');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toMatch(/^backend 'webgpu' failed to start: no WebGPU adapter .*; falling back to 'cpu'\.$/);
  });
});
