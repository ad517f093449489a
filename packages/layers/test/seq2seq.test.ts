import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, ShapeError, type Tensor, concat, memory, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { BahdanauAttention, GRU, LSTM, LayerConfigError, LuongAttention, loadModel, moduleFromConfig, saveModel } from '../src/index.js';
import { gradCheck, randT } from './helpers.js';
import { type Arr, type Float, expectOutputsAndGrads, readFixture, toState, toTensor } from './torch-fixture.js';

beforeAll(() => use(cpu()));

interface PackedCase {
  name: string; type: 'LSTM' | 'GRU'; options: { num_layers?: number; bidirectional?: boolean; batch_first?: boolean }; lengths: number[];
  state: Record<string, Arr>; x: Arr; out: Arr; states: Arr[]; gradOuts: Arr[]; grads: Record<string, Arr>;
}
interface AttentionCase {
  name: string; type: 'BahdanauAttention' | 'LuongAttention'; args: unknown[]; state: Record<string, Arr>;
  query: Arr; keys: Arr; keyPaddingMask: Arr; context: Arr; weights: Arr; gradOuts: Arr[]; grads: Record<string, Arr>;
}
const fx = readFixture<{ packed: PackedCase[]; attention: AttentionCase[] }>('seq2seq.json');
const DTYPES = ['float64', 'float32'] as const;
const worst: Record<string, number> = {};
const note = (key: string, err: number) => void (worst[key] = Math.max(worst[key] ?? 0, err));

function recurrent(c: PackedCase, dtype: Float): LSTM | GRU {
  const o = { numLayers: c.options.num_layers, bidirectional: c.options.bidirectional, batchFirst: c.options.batch_first, dtype };
  const m = c.type === 'LSTM' ? new LSTM(c.x.shape[2], 4, o) : new GRU(c.x.shape[2], 4, o);
  m.loadStateDict(toState(c.state, dtype));
  return m;
}

describe('recurrent layers on padded batches, against PyTorch 1.13 packed sequences', () => {
  for (const c of fx.packed) {
    for (const dtype of DTYPES) {
      for (const form of ['numbers', 'int32 tensor'] as const) {
        it(`${c.name}, lengths [${c.lengths}] as ${form} (${dtype}): output, final states, gradients`, () => {
          const m = recurrent(c, dtype);
          const x = toTensor(c.x, dtype).requiresGrad_();
          const lengths = form === 'numbers' ? c.lengths : tensor(c.lengths, { dtype: 'int32' });
          const run = (): Tensor[] => {
            const [out, state] = m.call(x, undefined, { lengths });
            return [out, ...(Array.isArray(state) ? state : [state as Tensor])];
          };
          note(`${c.type} ${dtype}`, expectOutputsAndGrads([c.out, ...c.states], c.gradOuts, c.grads, dtype, run, [['x', x], ...m.namedParameters()]));
        });
      }
    }
  }

  it('full lengths give the unpadded result; padding values do not matter', () => {
    const lstm = new LSTM(3, 4, { bidirectional: true, dtype: 'float64' });
    const x = randT([5, 2, 3], 1);
    const plain = lstm.call(x);
    const full = lstm.call(x, undefined, { lengths: [5, 5] });
    expect(Array.from(full[0].dataSync())).toEqual(Array.from(plain[0].dataSync()));
    // Sequence 1 has length 2: changing its steps 2… changes nothing.
    const other = concat([x.narrow(0, 0, 2), randT([3, 2, 3], 9)], 0);
    const [a, [ha]] = lstm.call(x, undefined, { lengths: [5, 2] });
    const [b, [hb]] = lstm.call(other, undefined, { lengths: [5, 2] });
    const col = (t: Tensor) => Array.from(t.narrow(1, 1, 1).dataSync());
    expect(col(b)).toEqual(col(a));
    expect(col(hb)).toEqual(col(ha));
  });

  it('gradients with lengths match finite differences (float64), and no tensors leak', () => {
    const gru = new GRU(2, 3, { numLayers: 2, bidirectional: true, batchFirst: true, dtype: 'float64' });
    const x = randT([2, 4, 2], 3).requiresGrad_();
    gradCheck(() => gru.call(x, undefined, { lengths: [2, 4] })[0], [x, ...gru.parameters()]);
    const step = () => tidy(() => void gru.call(x, undefined, { lengths: [2, 4] })[0].sum().backward());
    step();
    const before = memory().numTensors;
    step();
    expect(memory().numTensors).toBe(before);
  });

  it('rejects bad lengths naming the layer', () => {
    const lstm = new LSTM(3, 4, { dtype: 'float64' });
    const x = randT([5, 2, 3], 1);
    expect(() => lstm.call(x, undefined, { lengths: [5, 6] })).toThrow(/LSTM\(3, 4\): lengths must be 2 integers in \[1, 5\]/);
    expect(() => lstm.call(x, undefined, { lengths: [5] })).toThrow(ShapeError);
    expect(() => lstm.call(x, undefined, { lengths: [0, 3] })).toThrow(ShapeError);
    expect(() => lstm.call(x, undefined, { lengths: tensor([5, 3]) })).toThrow(DTypeError);
  });
});

describe('Bahdanau and Luong attention against PyTorch 1.13', () => {
  for (const c of fx.attention) {
    for (const dtype of DTYPES) {
      it(`${c.name} (${dtype}): context, weights, gradients`, () => {
        const [first, opts] = c.args as [number, object | undefined];
        const m = moduleFromConfig({ type: c.type, args: [first, { ...opts, dtype }] as never }) as BahdanauAttention | LuongAttention;
        m.loadStateDict(toState(c.state, dtype));
        const [q, k] = [toTensor(c.query, dtype).requiresGrad_(), toTensor(c.keys, dtype).requiresGrad_()];
        const pad = toTensor(c.keyPaddingMask, dtype);
        // The tutorial's query is [N, 1, D]: run Bahdanau as one decoder step ([N, D]) and restore the axis.
        const step = c.type === 'BahdanauAttention';
        const run = (): Tensor[] => {
          const { context, weights } = m.call(step ? q.squeeze(1) : q, k, { keyPaddingMask: pad });
          return step ? [context.unsqueeze(1), weights.unsqueeze(1)] : [context, weights];
        };
        note(`${c.type} ${dtype}`, expectOutputsAndGrads([c.context, c.weights], c.gradOuts, c.grads, dtype, run, [['query', q], ['keys', k], ...m.namedParameters()]));
      });
    }
  }

  it('gradients match finite differences (float64), separate values included', () => {
    const [q, k, v] = [randT([2, 3, 4], 4).requiresGrad_(), randT([2, 5, 3], 5).requiresGrad_(), randT([2, 5, 2], 6).requiresGrad_()];
    for (const m of [new BahdanauAttention(6, { querySize: 4, keySize: 3, dtype: 'float64' }), new LuongAttention(4, { method: 'concat', keySize: 3, dtype: 'float64' })]) {
      gradCheck(() => m.call(q, k, { values: v }).context, [q, k, v, ...m.parameters()]);
    }
  });

  it('names, checks and model files', async () => {
    expect(new BahdanauAttention(4).namedParameters().map(([n]) => n)).toEqual(['Wa.weight', 'Wa.bias', 'Ua.weight', 'Ua.bias', 'Va.weight', 'Va.bias']);
    expect(new LuongAttention(4, { method: 'dot' }).parameters()).toEqual([]);
    expect(() => new LuongAttention(4, { method: 'dot', keySize: 3 })).toThrow(/method 'dot' needs keySize = querySize/);
    expect(() => new LuongAttention(4, { method: 'bilinear' as 'dot' })).toThrow(LayerConfigError);
    const m = new LuongAttention(4, { dtype: 'float64' });
    expect(() => m.call(randT([2, 4]), randT([3, 5, 4]))).toThrow(/same batch size N/);
    expect(() => m.call(randT([2, 4]), randT([2, 5, 4]), { keyPaddingMask: tensor([1, 0], { dtype: 'bool', shape: [2, 1] }) })).toThrow(/keyPaddingMask must be \[N, S\] = \[2, 5\]/);
    expect(() => m.call(randT([2, 3]), randT([2, 5, 4]))).toThrow(/LuongAttention\(4, 'general'\): expected input of shape \[N, 4\] or \[N, Lq, 4\]/);
    for (const a of [new BahdanauAttention(4, { querySize: 3 }), new LuongAttention(4, { method: 'concat', hiddenSize: 2 })]) {
      const again = loadModel(await saveModel(a));
      expect(again.getConfig()).toEqual(a.getConfig());
    }
  });

  it('reports the worst relative error against PyTorch', () => {
    console.log(`worst relative error vs PyTorch 1.13 (forward and gradients): ${JSON.stringify(worst)}`);
    expect(Object.keys(worst).length).toBe(8);
  });
});
