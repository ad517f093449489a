import { describe, expect, it } from 'vitest';
import { type RecordedOp, TesseraError, add, matmul, randn, recordOps, relu, softmax, tensor } from '@tessera/core';
import { useCpu } from './setup.js';

useCpu();

describe('recordOps', () => {
  it('reports each op call once, at the level it was made (a composite is not reported as its decomposition)', () => {
    const x = randn([2, 3]);
    const w = randn([3, 4]);
    const calls: RecordedOp[] = [];
    const y = recordOps((c) => calls.push(c), () => softmax(relu(add(matmul(x, w), 1)), -1));
    const names = calls.map((c) => c.def.name);
    expect(names).toContain('matmul');
    expect(names.slice(-3)).toEqual(['add', 'relu', 'softmax']);
    expect(names).not.toContain('exp'); // softmax's decomposition on the CPU is not reported
    const last = calls[calls.length - 1];
    expect(last.output).toBe(y);
    expect(last.attrs).toEqual({ axis: 1 });
    expect(calls[calls.length - 2].output).toBe(last.inputs[0]);
  });

  it('records nothing outside the call, and refuses to nest', () => {
    const calls: RecordedOp[] = [];
    recordOps((c) => calls.push(c), () => tensor([1, 2]).neg());
    expect(calls.map((c) => c.def.name)).toEqual(['neg']);
    tensor([1]).neg();
    expect(calls).toHaveLength(1);
    expect(() => recordOps(() => {}, () => recordOps(() => {}, () => 0))).toThrow(TesseraError);
    expect(() => recordOps(() => {}, () => recordOps(() => {}, () => 0))).toThrow(/recordings do not nest/);
    // A failed recording leaves recording off.
    tensor([1]).neg();
    expect(calls).toHaveLength(1);
  });
});
