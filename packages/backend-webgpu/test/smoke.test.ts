import * as T from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOW_TO_ENABLE, REQUIRE_GPU, testPlugin, unavailable } from './gpu.js';

describe.skipIf(unavailable !== null && !REQUIRE_GPU)('webgpu smoke', () => {
  beforeAll(async () => {
    T.use(testPlugin());
    T.use(cpu());
    await T.init({ backends: ['webgpu'] });
  });
  afterAll(() => T.resetRegistry());

  it('adds and reads back', async () => {
    const a = T.tensor([1, 2, 3], { backend: 'webgpu' });
    const b = T.tensor([[10], [20]], { backend: 'webgpu' });
    const y = a.add(b).mul(2).exp().log();
    expect(Array.from(await y.data())).toEqual([22, 24, 26, 42, 44, 46].map((v) => Math.fround(v)).map((v, i) => expect.closeTo(v, 3) as unknown as number));
  });
});
if (unavailable !== null && !REQUIRE_GPU) it.skip(HOW_TO_ENABLE, () => {});
