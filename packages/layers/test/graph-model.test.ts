import { beforeAll, describe, expect, it } from 'vitest';
import { DTypeError, type Parameter, ShapeError, type Tensor, gradients, memory, noGrad, split, tensor, tidy, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { Module, param } from '../src/module.js';
import type { SymbolicTensor } from '../src/symbolic.js';
import { LayerConfigError } from '../src/errors.js';
import { GraphError, input, model } from '../src/graph/index.js';
import { loadWeights, saveWeights } from '../src/io/index.js';
import { randT } from './helpers.js';

beforeAll(() => use(cpu()));

/** y = x Wᵀ + b with weight [out, in] (float64 so values and gradients compare exactly). */
class Dense extends Module {
  weight: Parameter;
  bias: Parameter;
  constructor(inF: number, outF: number, seed: number) {
    super();
    this.weight = param(randT([outF, inF], seed));
    this.bias = param(randT([outF], seed + 100));
  }
  forward(x: Tensor): Tensor {
    return x.matmul(this.weight, { transposeB: true }).add(this.bias);
  }
}

class Add2 extends Module<[Tensor, Tensor]> {
  forward(a: Tensor, b: Tensor): Tensor {
    return a.add(b);
  }
}

class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** Two outputs: the halves of the feature axis; counts real (non-symbolic) runs. */
class Halves extends Module<[Tensor], Tensor[]> {
  runs = 0;
  forward(x: Tensor): Tensor[] {
    if (x.shape[0] !== 1) this.runs++;
    return split(x, 2, 1);
  }
}

const f64 = { dtype: 'float64' as const };
const same = (a: Tensor, b: Tensor): void => {
  expect(a.shape).toEqual(b.shape);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
};

/** Two inputs, two outputs, a layer shared by both branches. */
function build(seed = 1) {
  const a = input({ shape: [3], name: 'a', ...f64 });
  const b = input({ shape: [3], name: 'b', ...f64 });
  const shared = new Dense(3, 4, seed);
  const add = new Add2();
  const head = new Dense(4, 2, seed + 1);
  const act = new Tanh();
  const ha = shared.apply(a);
  const hb = shared.apply(b);
  const y1 = head.apply(add.apply(ha, hb));
  const y2 = act.apply(hb);
  return { net: model({ inputs: [a, b], outputs: [y1, y2], name: 'siamese' }), shared, add, head, act, a, b };
}

describe('functional graph API', () => {
  it('records shapes symbolically: batch axis null, inner axes inferred by running the layer', () => {
    const x = input({ shape: [3], ...f64 });
    expect(x.shape).toEqual([null, 3]);
    expect(x.dtype).toBe('float64');
    const h = new Dense(3, 4, 1).apply(x);
    expect(h.shape).toEqual([null, 4]);
    expect(h.node?.inputs).toEqual([x]);
    const halves = new Halves();
    const parts = halves.apply(h) as unknown as SymbolicTensor[];
    expect(parts.map((p) => p.shape)).toEqual([[null, 2], [null, 2]]);
    expect(parts.map((p) => p.node?.outputIndex)).toEqual([0, 1]);
    expect(halves.runs).toBe(0); // shape inference ran on a batch of 1 only
  });

  it('two inputs, two outputs and a shared layer compute what calling the layers by hand computes', () => {
    const { net, shared, add, head, act } = build();
    tidy(() => {
      const xa = randT([2, 3], 7);
      const xb = randT([2, 3], 8);
      const [y1, y2] = net.call(xa, xb);
      const ha = shared.call(xa);
      const hb = shared.call(xb);
      same(y1, head.call(add.call(ha, hb)));
      same(y2, act.call(hb));
      // and by the formula: y1 = ((xa + xb) Wsᵀ + 2 bs) Whᵀ + bh, written out with plain ops
      const manual = xa.add(xb).matmul(shared.weight, { transposeB: true }).add(shared.bias.mul(2)).matmul(head.weight, { transposeB: true }).add(head.bias);
      const got = y1.dataSync();
      manual.dataSync().forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
    });
  });

  it('lists the shared layer once: children, parameters, state dict, summary', () => {
    const { net, shared, add, head, act } = build();
    expect(net.layers).toEqual([shared, add, head, act]);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2', '3']);
    expect(net.parameters()).toEqual([shared.weight, shared.bias, head.weight, head.bias]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(net.numParameters()).toBe(4 * 3 + 4 + 2 * 4 + 2);
    const s = net.summary(); // declared shapes, batch 1, in the inputs' dtype (float64)
    expect(s.totalParams).toBe(26);
    expect(s.rows.map((r) => [r.name, r.type, r.outputShapes, r.params])).toEqual([
      ['0', 'Dense', [[1, 4]], 4 * 3 + 4], // shared: one row, after its last call
      ['1', 'Add2', [[1, 4]], 0],
      ['2', 'Dense', [[1, 2]], 2 * 4 + 2],
      ['3', 'Tanh', [[1, 4]], 0],
    ]);
    expect(net.summary([5, 3], [5, 3]).rows[2].outputShapes).toEqual([[5, 2]]);
  });

  it('single output → forward returns a Tensor; outputs as an array of one → an array', () => {
    const x = input({ shape: [3], ...f64 });
    const d = new Dense(3, 2, 3);
    const y = d.apply(x);
    const one = model({ inputs: x, outputs: y });
    const list = model({ inputs: [x], outputs: [y] });
    tidy(() => {
      const t = randT([4, 3], 1);
      const r1 = one.call(t);
      const r2 = list.call(t);
      expect(Array.isArray(r1)).toBe(false);
      expect(Array.isArray(r2)).toBe(true);
      same(r1, d.call(t));
      same(r2[0], r1);
    });
  });

  it('runs a multi-output layer once per forward and routes each output', () => {
    const x = input({ shape: [4], ...f64 });
    const halves = new Halves();
    const [p, q] = halves.apply(x) as unknown as SymbolicTensor[];
    const left = new Dense(2, 1, 4);
    const right = new Dense(2, 1, 5);
    const net = model({ inputs: x, outputs: new Add2().apply(left.apply(q), right.apply(p)) });
    tidy(() => {
      const t = randT([3, 4], 2);
      const y = net.call(t);
      expect(halves.runs).toBe(1);
      const [tp, tq] = split(t, 2, 1);
      same(y, left.call(tq).add(right.call(tp)));
    });
  });

  it('gradients through the graph equal those of the hand-written composition (shared weight gets both paths)', () => {
    const { net, shared, head } = build();
    tidy(() => {
      const xa = randT([2, 3], 11);
      const xb = randT([2, 3], 12);
      const lossOf = ([y1, y2]: Tensor[]): Tensor => y1.square().sum().add(y2.sum());
      const gGraph = gradients(lossOf(net.call(xa, xb)), [shared.weight, head.weight]);
      const hb = shared.call(xb);
      const hand = lossOf([head.call(shared.call(xa).add(hb)), hb.tanh()]);
      const gHand = gradients(hand, [shared.weight, head.weight]);
      gGraph.forEach((g, i) => same(g, gHand[i]));
    });
  });

  it('a graph model is a module: nested in another graph, save → load, train/eval, toString', () => {
    const { net } = build();
    const a = input({ shape: [3], ...f64 });
    const b = input({ shape: [3], ...f64 });
    const [y1] = net.apply(a, b) as unknown as SymbolicTensor[];
    const outer = model({ inputs: [a, b], outputs: new Tanh().apply(y1) });
    expect(outer.namedParameters().map(([n]) => n)).toEqual(['0.0.weight', '0.0.bias', '0.2.weight', '0.2.bias']);
    outer.eval();
    expect(net.layers.every((l) => !l.training)).toBe(true);
    const twin = build(50).net;
    tidy(() => {
      const xa = randT([2, 3], 3);
      const xb = randT([2, 3], 4);
      expect(Array.from(twin.call(xa, xb)[0].dataSync())).not.toEqual(Array.from(net.call(xa, xb)[0].dataSync()));
      const twinOuter = model({ inputs: [a, b], outputs: new Tanh().apply((twin.apply(a, b) as unknown as SymbolicTensor[])[0]) });
      loadWeights(twinOuter, saveWeights(outer));
      same(twinOuter.call(xa, xb), outer.call(xa, xb));
    });
    expect(String(net)).toMatch(/^GraphModel\(\n {2}name=siamese, inputs=\(a: \[batch, 3\], b: \[batch, 3\]\), outputs=2\n {2}\(0\): Dense\(\)/);
  });

  it('a few training steps inside tidy keep the tensor count stable', () => {
    const { net } = build();
    const xa = randT([4, 3], 21);
    const xb = randT([4, 3], 22);
    const step = (): number =>
      tidy(() => {
        const [y1, y2] = net.call(xa, xb);
        const loss = y1.square().mean().add(y2.square().mean());
        const grads = gradients(loss, net.parameters());
        noGrad(() => net.parameters().forEach((p, i) => p.assign(p.sub(grads[i].mul(0.1)))));
        return loss.itemSync();
      });
    const first = step();
    const count = memory().numTensors;
    let last = first;
    for (let i = 0; i < 5; i++) last = step();
    expect(memory().numTensors).toBe(count);
    expect(last).toBeLessThan(first);
    xa.dispose();
    xb.dispose();
  });
});

describe('functional graph API errors', () => {
  it('an output that does not depend on the given inputs', () => {
    const a = input({ shape: [3], name: 'a' });
    const c = input({ shape: [3], name: 'c' });
    const y = new Add2().apply(a, c);
    expect(() => model({ inputs: a, outputs: y })).toThrow(GraphError);
    expect(() => model({ inputs: a, outputs: y })).toThrow(/output 0 depends on input 'c', which is not among the model's inputs/);
    expect(() => model({ inputs: [a, c], outputs: [a, new Tanh().apply(input({ shape: [2] }))] })).toThrow(/output 1 depends on input \(unnamed, shape \[null, 2\]\)/);
  });

  it('inputs not made by input(), listed twice, or missing', () => {
    const a = input({ shape: [3] });
    const h = new Tanh().apply(a);
    expect(() => model({ inputs: h, outputs: h })).toThrow(/inputs\[0\] was produced by Tanh, not by input\(\)/);
    expect(() => model({ inputs: [a, a], outputs: h })).toThrow(/input 1 is listed twice/);
    expect(() => model({ inputs: [], outputs: h })).toThrow(/needs at least one input/);
    expect(() => input({ shape: [3, -1] })).toThrow(LayerConfigError);
  });

  it('the wrong number of inputs at call time', () => {
    const { net } = build();
    tidy(() => {
      const x = randT([2, 3], 1);
      expect(() => (net.call as (...xs: Tensor[]) => unknown)(x)).toThrow(GraphError);
      expect(() => (net.call as (...xs: Tensor[]) => unknown)(x)).toThrow(
        /GraphModel 'siamese': expected 2 inputs \('a' \[batch, 3\], 'b' \[batch, 3\]\) but got 1\./,
      );
      expect(() => (net.call as (...xs: unknown[]) => unknown)([x, x], x)).toThrow(/input 'a' must be a tensor but got an array/);
    });
  });

  it('an input whose shape or dtype differs from the declared one names that input', () => {
    const { net } = build();
    tidy(() => {
      const ok = randT([2, 3], 1);
      expect(() => net.call(ok, randT([2, 4], 2))).toThrow(ShapeError);
      expect(() => net.call(ok, randT([2, 4], 2))).toThrow(/GraphModel 'siamese': input 'b' expects shape \[batch, 3\] but got \[2, 4\]/);
      expect(() => net.call(randT([3], 2), ok)).toThrow(/input 'a' expects shape \[batch, 3\] but got \[3\]/);
      expect(() => net.call(ok, tensor([[1, 2, 3]]))).toThrow(DTypeError);
      expect(() => net.call(ok, tensor([[1, 2, 3]]))).toThrow(/input 'b' expects float64 but got float32/);
    });
  });

  it('a variable (null) axis accepts any size', () => {
    const x = input({ shape: [null, 2], ...f64 });
    const net = model({ inputs: x, outputs: new Tanh().apply(x) });
    tidy(() => {
      expect(net.call(randT([1, 5, 2], 1)).shape).toEqual([1, 5, 2]);
      expect(() => net.call(randT([1, 5, 3], 1))).toThrow(/input 0 expects shape \[batch, \*, 2\] but got \[1, 5, 3\]/);
    });
  });
});
