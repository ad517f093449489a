import { describe, expect, it } from 'vitest';
import * as layers from '../src/index.js';

describe('deprecated loss names', () => {
  it('are the same functions as the names that follow the modules', () => {
    expect(layers.crossEntropy).toBe(layers.crossEntropyLoss);
    expect(layers.binaryCrossEntropy).toBe(layers.bceLoss);
    expect(layers.binaryCrossEntropyWithLogits).toBe(layers.bceWithLogitsLoss);
    expect(layers.klDiv).toBe(layers.klDivLoss);
  });
});
