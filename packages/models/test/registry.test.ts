import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, manualSeed, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Linear, Sequential, Flatten, ReLU } from '@tessera/layers';
import { buildModel, modelDescriptor, modelDescriptors, modelNames, registerModel } from '../src/index.js';

beforeAll(() => {
  use(cpu());
});

describe('the model registry', () => {
  it('lists the built-in models with descriptions and input shapes, and builds them by name', () => {
    expect(modelNames()).toEqual(expect.arrayContaining(['lenet5', 'mlp', 'mnist-cnn', 'resnet20']));
    expect(modelDescriptor('ResNet20').inputShape).toEqual([3, 32, 32]);
    expect(modelDescriptors().every((m) => m.description.length > 0)).toBe(true);
    manualSeed(0);
    const net = buildModel('mlp', { numClasses: 3, inputShape: [1, 4, 4] });
    expect(net.call(randn([2, 1, 4, 4])).shape).toEqual([2, 3]);
  });

  it('unknown names, mismatched inputs and malformed descriptors are ConfigErrors that say the fix', () => {
    expect(() => modelDescriptor('gpt')).toThrow(ConfigError);
    expect(() => modelDescriptor('gpt')).toThrow(/unknown model 'gpt'; known models: .*mnist-cnn.*registerModel/);
    expect(() => buildModel('resnet20', { numClasses: 10, inputShape: [1, 28, 28] })).toThrow(/model 'resnet20' expects 3×32×32 images \(C×H×W\) but got 1×28×28/);
    expect(() => registerModel({ name: 'x', description: '', inputShape: [0, 1, 1], build: () => new Sequential() })).toThrow(/registerModel\('x'\): inputShape must be \[C, H, W\]/);
    expect(modelNames()).not.toContain('x');
  });

  it('a plugin model (a third-party registration) is listed and built like the zoo\'s', () => {
    registerModel({
      name: 'Tiny-Net',
      description: 'flatten, C·H·W → 8, ReLU, 8 → classes',
      package: 'tessera-plugin-tiny',
      build: ({ numClasses, inputShape: [c, h, w] }) => new Sequential(new Flatten(), new Linear(c * h * w, 8), new ReLU(), new Linear(8, numClasses)),
    });
    expect(modelNames()).toContain('tiny-net');
    expect(modelDescriptor('tiny-net').package).toBe('tessera-plugin-tiny');
    manualSeed(1);
    const net = buildModel('tiny-net', { numClasses: 5, inputShape: [3, 2, 2] });
    expect(net.call(randn([4, 3, 2, 2])).shape).toEqual([4, 5]);
    expect(net.parameters().length).toBe(4);
  });
});
