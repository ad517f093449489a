import { cpu } from '@tessera/backend-cpu';
import { manualSeed, use } from '@tessera/core';
import { loadWeights, readSafetensorsHeader, saveWeights } from '@tessera/layers';
import { mlp, mnistCnn } from '@tessera/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnknownWeightsError, buildModel, defaultSpec, specFromHeader, specName } from '../src/worker/models.js';

beforeAll(() => {
  use(cpu());
  manualSeed(0);
});

describe('recognising the architecture of a weights file', () => {
  it('finds the MNIST CNN, and its weights load strictly into a fresh one', () => {
    const bytes = saveWeights(mnistCnn(), { format: 'pt' });
    const spec = specFromHeader(readSafetensorsHeader(bytes), 'cnn.safetensors');
    expect(spec).toEqual({ kind: 'cnn', hidden: [] });
    expect(loadWeights(buildModel(spec), bytes)).toEqual({ missingKeys: [], unexpectedKeys: [] });
  });

  it('reads an MLP’s hidden sizes from the weight shapes (also sizes other than the page’s)', () => {
    const bytes = saveWeights(mlp({ inFeatures: 784, hidden: [64, 32], outFeatures: 10 }));
    const spec = specFromHeader(readSafetensorsHeader(bytes), 'mlp.safetensors');
    expect(spec).toEqual({ kind: 'mlp', hidden: [64, 32] });
    expect(specName(spec)).toBe('mlp-64-32');
    const net = buildModel(spec);
    loadWeights(net, bytes);
    expect(net.numParameters()).toBe(784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
  });

  it('the page’s default MLP is 784-128-10 and the CNN has 105,506 parameters', () => {
    expect(buildModel(defaultSpec('mlp')).numParameters()).toBe(101_770);
    expect(buildModel(defaultSpec('cnn')).numParameters()).toBe(105_506);
  });

  it('rejects weights for another problem, naming the file and what it found', () => {
    const bytes = saveWeights(mlp({ inFeatures: 3072, hidden: [16], outFeatures: 10 }));
    expect(() => specFromHeader(readSafetensorsHeader(bytes), 'cifar.safetensors')).toThrow(UnknownWeightsError);
    expect(() => specFromHeader(readSafetensorsHeader(bytes), 'cifar.safetensors')).toThrow(/cifar\.safetensors.*1\.weight \[16, 3072\]/);
  });
});
