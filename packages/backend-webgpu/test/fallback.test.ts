import * as T from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { webgpu } from '../src/index.js';

// Runs everywhere (no adapter needed): a GPU object that offers no adapter.
const noAdapterGpu = { requestAdapter: async () => null } as unknown as GPU;

describe('webgpu without an adapter', () => {
  afterEach(() => T.resetRegistry());

  it('create() rejects with a BackendError that says how to get one', async () => {
    await expect(webgpu({ gpu: noAdapterGpu }).create()).rejects.toThrow(T.BackendError);
    await expect(webgpu({ gpu: noAdapterGpu }).create()).rejects.toThrow(/no GPU adapter/);
  });

  it('init() falls back to the next backend with a message', async () => {
    T.use(webgpu({ gpu: noAdapterGpu }));
    T.use(cpu());
    const notes: string[] = [];
    const name = await T.init({ onFallback: (m) => notes.push(m) });
    expect(name).toBe('cpu');
    expect(notes[0]).toMatch(/webgpu.*no GPU adapter.*falling back to 'cpu'/s);
  });

  it('is preferred over the CPU by priority', () => {
    T.use(cpu());
    T.use(webgpu({ gpu: noAdapterGpu }));
    expect(T.backends()).toEqual(['webgpu', 'cpu']);
  });
});
