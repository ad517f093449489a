import type { Kernel, SoftmaxCrossEntropyAttrs } from '@tessera/core';
import { asGpu } from '../storage.js';
import { pi } from '../wgsl/params.js';
import { gpuOf } from './gpu-of.js';
import { dispatchRows, type RowSpec } from './rows.js';

/** Loads the row's label `t` and whether it counts (`ok`: not ignored, in [0, R)); ignoreIndex is word 3. */
const LABEL = `let t = lab[line]; let ign = t == ${pi(3)}; let ok = !ign && t >= 0 && t < i32(R);`;

/** Per row: logSumExp − x[t]; 0 where ignored, NaN where the label is out of range. */
const FORWARD: RowSpec = {
  key: 'softmaxCrossEntropy',
  out: { name: 'y', type: 'f32' },
  inputs: [{ name: 'lab', type: 'i32' }],
  prelude: LABEL,
  last: `if (ok) { y[line] = m + log(s) - x[base + u32(t) * inner]; } else if (ign) { y[line] = 0.0; } else { y[line] = t_nan(); }`,
};

/** Per element: (softmax − onehot)·dy[row]; 0 on ignored and out-of-range rows. */
const BACKWARD: RowSpec = {
  key: 'softmaxCrossEntropyGrad',
  out: { name: 'y', type: 'f32' },
  inputs: [{ name: 'lab', type: 'i32' }, { name: 'dy', type: 'f32' }],
  prelude: `${LABEL} let g = select(0.0, dy[line], ok);`,
  each: (k, r) => `y[${k}] = (exp(x[${k}] - m) / s - select(0.0, 1.0, i32(${r}) == t)) * g;`,
};

/** A row kernel over logits [N, C] (one line per row) with the labels (and dy) as inputs. */
function rowsOf(spec: RowSpec): Kernel<SoftmaxCrossEntropyAttrs> {
  return ({ backend, inputs, attrs: { ignoreIndex }, out }) => {
    const gpu = gpuOf(backend);
    const y = gpu.alloc(spec.key, out.size, out.dtype);
    const [n, c] = inputs[0].shape;
    if (out.size === 0) return y;
    const ins = inputs.map((t) => asGpu(t.dataId, spec.key));
    dispatchRows(gpu, spec, y, ins, { lines: n, R: c, inner: 1 }, [ignoreIndex >>> 0]);
    return y;
  };
}

/**
 * Fused softmax cross-entropy (core's `softmaxCrossEntropy` composite) and its gradient:
 * one dispatch each instead of the decompositions' logSoftmax, masks, gather and onehot.
 */
export const crossEntropyKernels = {
  softmaxCrossEntropy: rowsOf(FORWARD),
  softmaxCrossEntropyGrad: rowsOf(BACKWARD),
};
