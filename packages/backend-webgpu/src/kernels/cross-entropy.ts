import { lowerExpr, type Kernel, type PrologueAttrs, type SoftmaxCrossEntropyAttrs, type TensorData } from '@tessera/core';
import { asGpu } from '../storage.js';
import { compileExpr } from '../wgsl/expr.js';
import { pi, pu } from '../wgsl/params.js';
import type { BindingDecl } from '../wgsl/shader.js';
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

/** Per element: (softmax − onehot)·dy[row]; 0 on ignored and out-of-range rows. `dy` is the WGSL of dy at row `line`. */
const backward = (dy: string, key: string, more: readonly BindingDecl[], before = ''): RowSpec => ({
  key: `softmaxCrossEntropyGrad${key}`,
  out: { name: 'y', type: 'f32' },
  inputs: [{ name: 'lab', type: 'i32' }, ...more],
  prelude: `${LABEL}${before} let g = select(0.0, ${dy}, ok);`,
  each: (k, r) => `y[${k}] = (exp(x[${k}] - m) / s - select(0.0, 1.0, i32(${r}) == t)) * g;`,
});

const BACKWARD = backward('dy[line]', '', [{ name: 'dy', type: 'f32' }]);

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
 * The gradient's row spec when dy comes as a `prologue` (compiled steps: the mean's gradient
 * broadcast to the batch): dy at row `line` is the expression over inputs p0… (each [N], read
 * at the row, or one element, read at 0), its scalars in the uniform words from word 4.
 */
function withPrologue(p: PrologueAttrs, extra: readonly TensorData[], rows: number): { spec: RowSpec; words: number[] } {
  const c = compileExpr(lowerExpr(p.expr, extra.map((t) => t.dtype)));
  const at = extra.map((t) => (t.size === rows ? 'line' : '0u'));
  const body = c.body((k) => `p${k}[${at[k]}]`, (w) => pu(4 + w), 'dyv');
  const spec = backward('dyv', `:pro:${c.id}:${at.map((a) => a[0]).join('')}`, c.inTypes.map((type, k) => ({ name: `p${k}`, type })),
    ` var dyv: f32;\n  {\n${body}\n  }`);
  return { spec, words: c.words(p.scalars) };
}

type GradAttrs = SoftmaxCrossEntropyAttrs & { readonly prologue?: PrologueAttrs };

/** `softmaxCrossEntropyGrad`, with dy given or (compiled steps) computed by its prologue. */
const softmaxCrossEntropyGrad: Kernel<GradAttrs> = (ctx) => {
  const { backend, inputs, attrs, out } = ctx;
  if (!attrs.prologue) return rowsOf(BACKWARD)(ctx);
  const gpu = gpuOf(backend);
  const [n, c] = inputs[0].shape;
  const { spec, words } = withPrologue(attrs.prologue, inputs.slice(2), n);
  const y = gpu.alloc(spec.key, out.size, out.dtype);
  if (out.size === 0) return y;
  const ins = inputs.map((t) => asGpu(t.dataId, spec.key));
  dispatchRows(gpu, spec, y, ins, { lines: n, R: c, inner: 1 }, [attrs.ignoreIndex >>> 0, ...words]);
  return y;
};

/**
 * Fused softmax cross-entropy (core's `softmaxCrossEntropy` composite) and its gradient:
 * one dispatch each instead of the decompositions' logSoftmax, masks, gather and onehot. The
 * gradient takes dy as a prologue (`BackendImpl.prologueKernels`).
 */
export const crossEntropyKernels = {
  softmaxCrossEntropy: rowsOf(FORWARD),
  softmaxCrossEntropyGrad,
};
