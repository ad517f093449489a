import { describe, expect, it } from 'vitest';
import { backends, ones } from '@tessera/core';

describe('@tessera/backend-cpu/register', () => {
  it('installs the CPU backend with one import', async () => {
    await import('../src/register.js');
    expect(backends()).toContain('cpu');
    expect(ones([2]).mul(3).dataSync()).toEqual(new Float32Array([3, 3]));
  });
});
