import { beforeAll, describe, expect, it } from 'vitest';
import { getBackend, init, memory, randn, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { meterBackend } from '../src/compiled/memory-meter.js';
import { fitPeakMemory } from '../src/compiled/fit-memory.js';
import { NETS } from '../src/compiled/nets.js';

beforeAll(async () => {
  use(cpu());
  await init({ backends: ['cpu'] });
});

describe('device-byte meter on the CPU backend', () => {
  it("agrees with memory()'s live bytes for eager tensors, and puts the backend back", () => {
    const base = memory().backends.cpu?.numBytes ?? 0;
    const impl = getBackend('cpu');
    const own = impl.kernels;
    const m = meterBackend(impl);
    const a = randn([64, 32]);
    const b = tidy(() => a.matmul(randn([32, 16])).relu().reshape([16, 64]));
    expect(m.live).toBe(memory().backends.cpu.numBytes - base);
    a.dispose();
    b.dispose();
    expect(m.live).toBe(0);
    expect(m.peak).toBeGreaterThan(64 * 32 * 4);
    m.restore();
    expect(impl.kernels).toBe(own);
  });

  it('measures a training step through fit, eager and compiled (bytes, not time)', async () => {
    for (const mode of ['eager', 'compiled'] as const) {
      const r = await fitPeakMemory(NETS.mlp, mode, 2);
      expect(r.residentBytes).toBeGreaterThan(4 * 270_000); // weights alone
      expect(r.peakBytes).toBeGreaterThan(r.residentBytes);
    }
  });
});
