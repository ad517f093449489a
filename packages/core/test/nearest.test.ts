import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError, CORE_API_VERSION, editDistance, getBackend, init, nearest, resetRegistry, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';

describe('nearest', () => {
  it('computes edit distances', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('cpu', 'cpu')).toBe(0);
    expect(editDistance('mpl', 'mlp')).toBe(1); // an adjacent swap is one edit
    expect(editDistance('abc', 'ca')).toBe(3);
  });

  it('suggests the closest candidate within a typo, else nothing', () => {
    expect(nearest('--epoch', ['--lr', '--epochs', '--batch-size'])).toBe('--epochs');
    expect(nearest('cdu', ['webgpu', 'cpu'])).toBe('cpu');
    expect(nearest('mpl', ['mnist-cnn', 'mlp'])).toBe('mlp');
    expect(nearest('cuda', ['cpu', 'webgpu'])).toBeUndefined();
    expect(nearest('ab', ['xy'])).toBeUndefined();
    expect(nearest('abcd', ['wxyz'], 4)).toBe('wxyz');
  });
});

describe('backend names', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    resetRegistry();
  });

  const kernels = (backend: string) => ({
    kind: 'kernels' as const,
    name: 'my-kernels',
    coreApi: CORE_API_VERSION,
    backend,
    kernels: {},
  });

  it('warns once when kernels target a misspelt backend name', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    use(cpu());
    use(kernels('cdu'));
    await init();
    await init();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(
      /kernels were registered for backend 'cdu', which is not installed \(installed: cpu\); they will never run\. Did you mean backend: 'cpu'\?/,
    );
  });

  it('stays silent for kernels of a backend that is merely absent', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    use(cpu());
    use(kernels('webgpu'));
    use(kernels('cpu'));
    await init();
    expect(warn).not.toHaveBeenCalled();
  });

  it('an unknown backend name in init or getBackend suggests the nearest installed one', async () => {
    use(cpu());
    expect(() => getBackend('cdu')).toThrow(BackendError);
    expect(() => getBackend('cdu')).toThrow(/backend 'cdu' is not installed \(installed: cpu\)\. Did you mean 'cpu'\?/);
    await expect(init({ backends: ['cdu'], onFallback: () => {} })).rejects.toThrow(/Did you mean 'cpu'\?/);
  });
});
