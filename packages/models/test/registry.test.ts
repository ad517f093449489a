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

describe('text models in the registry', () => {
  it('lists the three text models with their task, dataset and metrics, and builds them from vocabulary sizes', async () => {
    const { buildTextModel, isTextModel, modelTask, textModelDescriptor, CharGPT, LSTMAttentionSeq2Seq, TransformerSeq2Seq } = await import('../src/index.js');
    expect(modelNames('language-model')).toEqual(['char-gpt']);
    expect(modelNames('sequence-to-sequence')).toEqual(['g2p-transformer', 'g2p-lstm-attention']);
    expect(modelNames('image-classification')).not.toContain('char-gpt');
    expect(modelNames()).toEqual(expect.arrayContaining(['mnist-cnn', 'char-gpt']));
    const gpt = textModelDescriptor('char-gpt');
    expect([gpt.dataset, gpt.tokenizer, gpt.metrics]).toEqual(['names', 'characters', ['natsPerChar']]);
    expect(textModelDescriptor('g2p-transformer').metrics).toEqual(['per', 'wer']);
    expect(modelTask(modelDescriptor('mnist-cnn'))).toBe('image-classification');
    expect(isTextModel(modelDescriptor('g2p-lstm-attention'))).toBe(true);
    manualSeed(0);
    const lm = buildTextModel('char-gpt', { srcVocabSize: 30, blockSize: 12, dModel: 16, layers: 1 });
    expect(lm).toBeInstanceOf(CharGPT);
    expect((lm as InstanceType<typeof CharGPT>).blockSize).toBe(12);
    const g2p = buildTextModel('g2p-transformer', { srcVocabSize: 30, tgtVocabSize: 42, blockSize: 20, dModel: 16, layers: 1 });
    expect(g2p).toBeInstanceOf(TransformerSeq2Seq);
    expect((g2p as InstanceType<typeof TransformerSeq2Seq>).transformer.encoder.layers[0]!.activation).toBe('relu'); // cheaper than GELU's erf on the CPU
    expect(buildTextModel('g2p-lstm-attention', { srcVocabSize: 30, tgtVocabSize: 42, blockSize: 20, dModel: 16 })).toBeInstanceOf(LSTMAttentionSeq2Seq);
  });

  it('keeps image and text apart with ConfigErrors that name the task and the fix', async () => {
    const { buildTextModel, textModelDescriptor } = await import('../src/index.js');
    expect(() => buildModel('char-gpt', { numClasses: 10, inputShape: [1, 28, 28] })).toThrow(/'char-gpt' is a language-model model, not an image classifier; build it with buildTextModel/);
    expect(() => textModelDescriptor('mnist-cnn')).toThrow(/image classifier, not a text model; text models: char-gpt, g2p-transformer, g2p-lstm-attention/);
    expect(() => buildTextModel('g2p-transformer', { srcVocabSize: 30, blockSize: 20 })).toThrow(/needs tgtVocabSize/);
    expect(() => buildTextModel('char-gpt', { srcVocabSize: 0, blockSize: 20 })).toThrow(/srcVocabSize and blockSize must be positive integers/);
    // A text descriptor must name its default dataset; an unknown task is refused.
    expect(() => registerModel({ name: 'lm-x', task: 'language-model', description: '', build: () => new Sequential() } as never)).toThrow(/names its default dataset/);
    expect(() => registerModel({ name: 'lm-y', task: 'translation', description: '', build: () => new Sequential() } as never)).toThrow(/task must be one of image-classification, sequence-to-sequence, language-model/);
    expect(modelNames()).not.toContain('lm-x');
  });

  it('a seq2seq model called without masks derives them from the padding id (as fit calls a two-input model)', async () => {
    const { buildTextModel } = await import('../src/index.js');
    const { tensor } = await import('@tessera/core');
    for (const name of ['g2p-transformer', 'g2p-lstm-attention']) {
      manualSeed(2);
      const net = buildTextModel(name, { srcVocabSize: 8, tgtVocabSize: 6, blockSize: 8, dModel: 8, layers: 1 });
      net.eval();
      const src = tensor(new Int32Array([3, 4, 5, 0, 6, 7, 0, 0]), { shape: [2, 4], dtype: 'int32' });
      const tgt = tensor(new Int32Array([1, 2, 3, 1, 4, 0]), { shape: [2, 3], dtype: 'int32' });
      const masks = { srcPaddingMask: src.equal(0), tgtPaddingMask: tgt.equal(0) };
      const a = await (net.call(src, tgt) as ReturnType<typeof randn>).data();
      const b = await (net.call(src, tgt, masks) as ReturnType<typeof randn>).data();
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });
});
