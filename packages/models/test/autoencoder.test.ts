import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, rand, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { mseLoss } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { DenseAutoencoder } from '../src/index.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

describe('DenseAutoencoder', () => {
  for (const noise of [0, 0.1]) {
    it(`reconstructs a tiny dataset better after training (noise ${noise})`, async () => {
      const ae = new DenseAutoencoder({ inFeatures: 16, hidden: [8, 4], noise });
      expect(ae.numParameters()).toBe(16 * 8 + 8 + 8 * 4 + 4 + 4 * 8 + 8 + 8 * 16 + 16);
      const x = rand([16, 16]);
      const err = async () => { ae.eval(); const e = await mseLoss(ae.call(x), x).item(); ae.train(); return e; };
      const before = await err();
      const opt = new Adam(ae.parameters(), { lr: 0.01 });
      for (let i = 0; i < 100; i++) tidy(() => { mseLoss(ae.call(x), x).backward(); opt.step(); opt.zeroGrad(); });
      expect(await err()).toBeLessThan(before * 0.8);
    });
  }
});
