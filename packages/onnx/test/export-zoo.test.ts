import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, noGrad, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { exportOnnx } from '../src/index.js';
import { maxRelativeError, runOnnx } from './ort.js';
import { ZOO_CASES } from './zoo-cases.js';

beforeAll(() => use(cpu()));

describe('exportOnnx: every zoo model runs in onnxruntime-node and matches Tessera', () => {
  for (const [name, build, shape] of ZOO_CASES) {
    it(name, async () => {
      manualSeed(3);
      const model = build();
      const x = randn(shape);
      const bytes = exportOnnx(model, x);
      model.eval();
      const want = noGrad(() => model.call(x) as Tensor);
      const [got] = await runOnnx(bytes, { input: x });
      expect(got.dims).toEqual(want.shape);
      const err = maxRelativeError(got.data, want.dataSync());
      expect(err).toBeLessThanOrEqual(1e-4);
    });
  }
});
