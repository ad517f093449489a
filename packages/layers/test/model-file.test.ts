import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Parameter, type Tensor, manualSeed, noGrad, randn, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import {
  AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, Dropout, Embedding, Flatten, GELU, GRU, LSTM, LayerNorm,
  LeakyReLU, Linear, LogSoftmax, MaxPool1d, MaxPool2d, ModelFileError, Module, ModuleConfigError, ReLU, Sequential, Sigmoid, Softmax, Tanh,
  describeModule, encodeSafetensors, loadModel, moduleFromConfig, param, registerModule, saveModel, saveWeights, type AnyModule,
} from '../src/index.js';
import { loadModelFile, saveModelFile } from '../src/node.js';

beforeAll(() => use(cpu()));

/** Every key and every value of two state dicts, for exact comparison. */
function flatState(m: AnyModule): Record<string, { shape: number[]; data: number[] }> {
  return Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, { shape: [...t.shape], data: Array.from(t.dataSync()) }]));
}

/** saveModel → loadModel, then the same state dict and the same eval-mode output on `x`. */
async function expectRoundTrip(model: AnyModule, x: Tensor): Promise<AnyModule> {
  const again = loadModel(await saveModel(model));
  expect(again.constructor).toBe(model.constructor);
  expect(again.getConfig()).toEqual(model.getConfig());
  expect(flatState(again)).toEqual(flatState(model));
  model.eval();
  again.eval();
  const want = noGrad(() => model.call(x) as Tensor);
  const got = noGrad(() => again.call(x) as Tensor);
  expect(got.shape).toEqual(want.shape);
  expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
  return again;
}

describe('getConfig', () => {
  it('records the constructor arguments of built-in layers, options included', () => {
    expect(new Linear(784, 10, { bias: false }).getConfig()).toEqual({ type: 'Linear', args: [784, 10, { bias: false }] });
    expect(new Conv2d(3, 8, [3, 5], { stride: 2, padding: 'same', dilation: 1, groups: 1 }).getConfig()).toEqual({
      type: 'Conv2d',
      args: [3, 8, [3, 5], { stride: 2, padding: 'same', dilation: 1, groups: 1 }],
    });
    expect(new LeakyReLU(0.2).getConfig()).toEqual({ type: 'LeakyReLU', args: [0.2] });
    expect(new ReLU().getConfig()).toEqual({ type: 'ReLU', args: [] });
  });

  it('nests Sequential configs, keeping layer names', () => {
    const net = new Sequential({ body: new Sequential(new Linear(4, 3), new Tanh()), head: new Softmax(1) });
    expect(net.getConfig()).toEqual({
      type: 'Sequential',
      args: [[
        ['body', { type: 'Sequential', args: [[['0', { type: 'Linear', args: [4, 3, {}] }], ['1', { type: 'Tanh', args: [] }]]] }],
        ['head', { type: 'Softmax', args: [1] }],
      ]],
    });
  });

  it('a module that cannot describe itself names itself, its place, and registerModule', () => {
    class Mystery extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Mystery().getConfig()).toThrow(/Mystery cannot describe itself.*registerModule\('Mystery'/);
    expect(() => new Sequential(new Linear(2, 2), new Mystery()).getConfig()).toThrow(/Sequential layer '1': Mystery cannot describe itself/);
  });

  it('a subclass of a built-in layer is not saved as its parent', () => {
    class WideLinear extends Linear {
      constructor() {
        super(4, 8);
      }
    }
    class Squash extends Sigmoid {}
    expect(() => new WideLinear().getConfig()).toThrow(ModuleConfigError);
    expect(() => new Squash().getConfig()).toThrow(/Squash cannot describe itself/);
  });

  it('an argument JSON cannot hold is reported by path when the config is asked for', () => {
    class Hooked extends Module {
      constructor(readonly f: () => number) {
        super();
        describeModule(this, 'Hooked', [{ scale: 2, f }]);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const h = new Hooked(() => 1);
    expect(() => h.getConfig()).toThrow(/Hooked args\[0\]\.f is a function/);
  });
});

describe('saveModel / loadModel round-trips', () => {
  it('a Sequential CNN of the common 2-d layers, with non-default options', async () => {
    manualSeed(1);
    const net = new Sequential(
      new Conv2d(2, 4, 3, { padding: 1, groups: 2, bias: false }),
      new BatchNorm2d(4, { momentum: 0.2, eps: 1e-3 }),
      new ReLU(),
      new MaxPool2d(2, { stride: 2 }),
      new Sequential({ conv: new Conv2d(4, 4, [3, 1], { padding: 'same', dilation: [2, 1] }), act: new GELU('tanh') }),
      new AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }),
      new AdaptiveAvgPool2d([2, 2]),
      new Flatten(),
      new Dropout(0.3),
      new Linear(16, 8),
      new LayerNorm(8, { eps: 1e-4 }),
      new LeakyReLU(0.2),
      new Linear(8, 3, { bias: false }),
      new LogSoftmax(1),
    );
    net.call(randn([3, 2, 8, 8])); // moves BatchNorm's running statistics off their initial values
    await expectRoundTrip(net, randn([2, 2, 8, 8]));
  });

  it('a Sequential of the 1-d layers', async () => {
    manualSeed(2);
    const net = new Sequential(
      new Conv1d(3, 4, 3, { stride: 1, padding: 2 }),
      new BatchNorm1d(4, { affine: false }),
      new MaxPool1d(2),
      new AvgPool1d(3, { stride: 2 }),
      new Flatten(),
      new Linear(8, 2),
      new Sigmoid(),
    );
    net.call(randn([4, 3, 8]));
    await expectRoundTrip(net, randn([2, 3, 8]));
  });

  it('Embedding, LSTM and GRU with options', async () => {
    manualSeed(3);
    await expectRoundTrip(new Embedding(10, 4, { paddingIdx: 0 }), tensor([[0, 3, 9]], { dtype: 'int32' }));
    const x = randn([2, 5, 3]);
    for (const rnn of [new LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true }), new GRU(3, 4, { batchFirst: true, bias: false })]) {
      const again = loadModel(await saveModel(rnn));
      expect(flatState(again)).toEqual(flatState(rnn));
      const [want] = rnn.call(x) as [Tensor, unknown];
      const [got] = again.call(x) as [Tensor, unknown];
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    }
  });

  it('a third-party layer registered by name', async () => {
    class Scale extends Module {
      weight: Parameter;
      constructor(readonly n: number, readonly opts: { init?: number } = {}) {
        super();
        this.weight = param(randn([n]).mul(opts.init ?? 1));
        describeModule(this, 'test.Scale', [n, opts], { from: 'test-layers' });
      }
      forward(x: Tensor): Tensor {
        return x.mul(this.weight);
      }
    }
    const net = new Sequential(new Linear(3, 4), new Scale(4, { init: 3 }));
    const bytes = await saveModel(net);
    expect(() => loadModel(bytes, { file: 'scaled.safetensors' })).toThrow(/scaled\.safetensors: .*unknown module 'test\.Scale'; it is registered by test-layers/);
    registerModule('test.Scale', { fromConfig: ([n, opts]) => new Scale(Number(n), opts as { init?: number }) });
    const again = await expectRoundTrip(net, randn([2, 3]));
    expect((again as Sequential).at(1)).toBeInstanceOf(Scale);
  });

  it('moduleFromConfig rebuilds an architecture with fresh weights', () => {
    manualSeed(4);
    const a = new Linear(3, 2);
    const b = moduleFromConfig(a.getConfig()) as Linear;
    expect(b).toBeInstanceOf(Linear);
    expect(b.weight.shape).toEqual([2, 3]);
    expect(Array.from(b.weight.dataSync())).not.toEqual(Array.from(a.weight.dataSync()));
  });
});

describe('forged and corrupt model files', () => {
  const linear = () => new Linear(4, 2);
  const forge = (meta: Record<string, string>) => encodeSafetensors(linear().stateDict(), meta);
  const config = JSON.stringify({ type: 'Linear', args: [4, 2, {}] });

  it('weights alone are not a model file', () => {
    expect(() => loadModel(saveWeights(linear()), { file: 'w.safetensors' })).toThrow(/w\.safetensors: not a Tessera model file.*loadWeights/);
  });

  it('a newer, malformed or missing format version, or a broken config', () => {
    expect(() => loadModel(forge({ 'tessera.model': '2', 'tessera.config': config }))).toThrow(/model format 2, newer than the 1.*upgrade @tessera\/layers/);
    expect(() => loadModel(forge({ 'tessera.model': 'one', 'tessera.config': config }))).toThrow(ModelFileError);
    expect(() => loadModel(forge({ 'tessera.model': '1' }))).toThrow(/no 'tessera\.config'/);
    expect(() => loadModel(forge({ 'tessera.model': '1', 'tessera.config': '{"type":' }))).toThrow(/not valid JSON/);
    expect(() => loadModel(forge({ 'tessera.model': '1', 'tessera.config': '{"type":5}' }))).toThrow(/config must be \{ type: string, args/);
    expect(() => loadModel(forge({ 'tessera.model': '1', 'tessera.config': '{"type":"Sequential","args":[[["0",{"type":"Nope","args":[]}]]]}' }))).toThrow(
      /config\.args\[0\]\[0\]\[1\]: unknown module 'Nope'; known: .*Linear/,
    );
  });

  it('weights that do not fit the config', () => {
    const wrong = forge({ 'tessera.model': '1', 'tessera.config': JSON.stringify({ type: 'Linear', args: [4, 3, {}] }) });
    expect(() => loadModel(wrong, { file: 'f.safetensors' })).toThrow(/f\.safetensors: the weights do not fit.*weight/);
    const extra = forge({ 'tessera.model': '1', 'tessera.config': JSON.stringify({ type: 'Linear', args: [4, 2, { bias: false }] }) });
    expect(() => loadModel(extra)).toThrow(ModelFileError);
  });

  it('constructor arguments a constructor rejects', () => {
    expect(() => loadModel(forge({ 'tessera.model': '1', 'tessera.config': JSON.stringify({ type: 'Linear', args: [-4, 2] }) }))).toThrow(/config: Linear\(-4,2\) failed/);
  });
});

describe('model files on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saveModelFile / loadModelFile round-trip and name the path in errors', async () => {
    manualSeed(5);
    const net = new Sequential(new Linear(3, 4), new Tanh(), new Linear(4, 2));
    const path = join(dir, 'net.safetensors');
    await saveModelFile(path, net);
    const again = await loadModelFile(path);
    expect(flatState(again)).toEqual(flatState(net));
    await expect(loadModelFile(join(dir, 'missing.safetensors'))).rejects.toThrow(/missing\.safetensors/);
  });
});
