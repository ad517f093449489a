import { describe, expect, it } from 'vitest';
import { type Tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { DataLoader, type ImageBatch, type ImageExample, subset } from '@tessera/datasets';
import { MNIST } from '@tessera/datasets/node';
import { Module } from '@tessera/layers';
import { testModel } from '../src/commands/report-run.js';

use(cpu());

/** A diverged classifier: every score NaN. */
class NanNet extends Module {
  forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0], -1]).narrow(1, 0, 10).mul(NaN);
  }
}

describe('report and eval accuracy (issue 19, case 1)', () => {
  it('a model that predicts NaN scores 0 %, not 100 %, and its misses are counted per class', async () => {
    const test = subset<ImageExample, ImageBatch>(MNIST.sample({ split: 'test' }), Array.from({ length: 50 }, (_, i) => i));
    const r = await testModel(new NanNet(), new DataLoader(test, { batchSize: 25 }), MNIST.sample({ split: 'test' }), 10, 0);
    expect(r.accuracy).toBe(0);
    expect(r.nonFinite.reduce((a, b) => a + b, 0)).toBe(50);
    expect(r.confusion.flat().every((v) => v === 0)).toBe(true);
  });
});
