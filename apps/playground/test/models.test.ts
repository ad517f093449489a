import { type Tensor, cpu, manualSeed, models, nn, randn, use } from 'tessera';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelSpec, defaultSpec, modelConfig, pageMetadata, specName } from '../src/models.js';
import { UnknownWeightsError, jobModelForFile, specFromHeader } from '../src/weights-file.js';

const { loadModel, loadWeights, moduleFromConfig, readSafetensorsHeader, saveModel, saveWeights } = nn;
const { mlp, mnistCnn, registerZoo } = models;

beforeAll(() => {
  use(cpu());
  registerZoo();
  manualSeed(0);
});

/** What the training worker builds from the page's config (tessera/worker: moduleFromConfig of the zoo). */
const buildModel = (spec: ModelSpec): nn.AnyModule => moduleFromConfig(modelConfig(spec));

describe('recognising the architecture of a weights file', () => {
  it('finds the MNIST CNN, and its weights load strictly into a fresh one', () => {
    const bytes = saveWeights(mnistCnn(), { format: 'pt' });
    const spec = specFromHeader(readSafetensorsHeader(bytes), 'cnn.safetensors');
    expect(spec).toEqual({ kind: 'cnn', hidden: [] });
    expect(loadWeights(buildModel(spec), bytes)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    // The worker gets the architecture's config and these weights, to load strictly.
    expect(jobModelForFile(bytes, 'cnn.safetensors').model).toEqual({ config: { type: 'mnistCnn', args: [{ numClasses: 10 }] }, weights: bytes });
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

  it('reads the architecture from a model file’s config (saveModel, tessera train checkpoints), and refuses models the page cannot train', async () => {
    const bytes = await saveModel(mlp({ inFeatures: 784, hidden: [48], outFeatures: 10 }));
    expect(specFromHeader(readSafetensorsHeader(bytes), 'net.safetensors')).toEqual({ kind: 'mlp', hidden: [48] });
    expect(specFromHeader(readSafetensorsHeader(await saveModel(mnistCnn())), 'cnn.safetensors')).toEqual({ kind: 'cnn', hidden: [] });
    const other = await saveModel(mlp({ inFeatures: 784, hidden: [8], outFeatures: 26 }));
    expect(() => specFromHeader(readSafetensorsHeader(other), 'letters.safetensors')).toThrow(/letters\.safetensors: holds a mlp model .*tessera predict/);
  });

  it('the page’s saves (snapshots with the page’s notes) are model files that tessera predict reads without being told the model', async () => {
    const spec = { kind: 'mlp', hidden: [16] } as const;
    const net = buildModel(spec);
    const bytes = await saveModel(net, pageMetadata(spec, 123)); // what the worker's snapshot(metadata) writes
    const again = loadModel(bytes);
    const x = randn([2, 1, 28, 28]);
    expect(Array.from((again.call(x) as Tensor).dataSync())).toEqual(Array.from((net.call(x) as Tensor).dataSync()));
    const { metadata } = readSafetensorsHeader(bytes);
    expect(metadata).toMatchObject({ model: 'mlp-16', trainedExamples: '123' });
    expect(JSON.parse(metadata['tessera.run']!)).toMatchObject({ inputShape: [1, 28, 28], classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] });
    expect(specFromHeader(readSafetensorsHeader(bytes), 'page.safetensors')).toEqual(spec);
    // A model file goes to the worker as it is.
    expect(jobModelForFile(bytes, 'page.safetensors')).toEqual({ spec, model: { file: bytes } });
  });

  it('rejects weights for another problem, naming the file and what it found', () => {
    const bytes = saveWeights(mlp({ inFeatures: 3072, hidden: [16], outFeatures: 10 }));
    expect(() => specFromHeader(readSafetensorsHeader(bytes), 'cifar.safetensors')).toThrow(UnknownWeightsError);
    expect(() => specFromHeader(readSafetensorsHeader(bytes), 'cifar.safetensors')).toThrow(/cifar\.safetensors.*1\.weight \[16, 3072\]/);
  });
});
