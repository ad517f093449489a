import { type Parameter, type Tensor, isTensor, keep, noGrad, tidy } from '@tessera/core';
import { LayerConfigError } from './errors.js';
import { withForwardHook } from './hooks.js';
import type { AnyModule } from './module.js';
import { BatchNormBase } from './norm/batchnorm.js';

/** A layer a batch norm can fold into: an affine map per output channel can move into its parameters. */
interface Foldable {
  readonly weight: Parameter;
  bias: Parameter | null;
  readonly activation: string;
  foldAffine(scale: Tensor, shift: Tensor): void;
}

function isFoldable(m: AnyModule): m is AnyModule & Foldable {
  const f = m as unknown as Partial<Foldable>;
  return typeof f.foldAffine === 'function' && f.activation === 'linear' && isTensor(f.weight);
}

/** What `fuseBatchNorm` did. */
export interface FuseReport {
  /** [layer, batch norm] module paths folded together. */
  readonly folded: readonly (readonly [string, string])[];
  /**
   * Largest |fused − unfused| relative to the output's scale: max|fused − unfused| /
   * max|unfused| per output (an element near zero does not count as a large relative error:
   * float32 rounding through a deep network is relative to the values it was computed from).
   */
  readonly maxRelativeError: number;
}

/** Options of `fuseBatchNorm`. */
export interface FuseOptions {
  /** Largest relative difference (see `FuseReport.maxRelativeError`) accepted between fused and unfused outputs (default 1e-5). */
  readonly tolerance?: number;
}

interface Call {
  readonly module: AnyModule;
  readonly inputs: readonly unknown[];
  readonly output: unknown;
}

function outputsOf(v: unknown): Tensor[] {
  if (isTensor(v)) return [v];
  return Array.isArray(v) ? v.flatMap(outputsOf) : [];
}

/**
 * Folds every eval-mode batch norm that directly follows a convolution or linear layer
 * into that layer (PyTorch's `fuse_modules` for conv+bn / linear+bn): W ← W·γ/√(σ²+ε),
 * b ← (b − μ)·γ/√(σ²+ε) + β, and the batch norm becomes a pass-through. Inference gets one
 * kernel fewer per pair — the whole normalisation pass.
 *
 * The pairs are found by running `example` through the model once (in eval mode, which the
 * model is left in): a batch norm qualifies when its input is exactly the output of a
 * foldable layer (activation 'linear') that no other module reads. The fused model is then
 * run again and compared with the unfused outputs; beyond `tolerance` everything is undone
 * and a `LayerConfigError` says so. The model is for inference afterwards: a folded batch
 * norm throws in training mode.
 *
 * @example
 * const net = resnet18();
 * loadStateDict(net, weights);
 * const { folded } = await fuseBatchNorm(net, zeros([1, 3, 224, 224]));
 * const logits = net.call(images); // 20 batch norms fewer
 */
export async function fuseBatchNorm(model: AnyModule, example: Tensor | readonly Tensor[], opts: FuseOptions = {}): Promise<FuseReport> {
  const xs = isTensor(example) ? [example] : [...example];
  const tolerance = opts.tolerance ?? 1e-5;
  model.eval();
  const names = new Map(model.namedModules().map(([n, m]) => [m, n || '(root)']));
  const { pairs, saved, diffs } = noGrad(() =>
    tidy(() => {
      const calls: Call[] = [];
      const before = withForwardHook(
        (module, inputs, output) => void calls.push({ module, inputs, output }),
        () => outputsOf(model.call(...xs)),
      );
      const found = findPairs(calls);
      const kept = found.map(([l, bn]) => ({ weight: keep(l.weight.clone()), bias: l.bias ? keep(l.bias.clone()) : null, bn }));
      for (const [layer, bn] of found) {
        const scale = bn.runningVar!.add(bn.eps).rsqrt().mul(bn.weight ?? 1);
        const shift = (bn.bias ?? scale.mul(0)).sub(bn.runningMean!.mul(scale));
        layer.foldAffine(scale, shift);
        bn.folded = true;
      }
      const after = outputsOf(model.call(...xs));
      return { pairs: found, saved: kept, diffs: before.map((b, i) => keep(after[i].sub(b).abs().max().div(b.abs().max().add(1e-30)))) };
    }),
  );
  let maxRelativeError = 0;
  try {
    for (const d of diffs) maxRelativeError = Math.max(maxRelativeError, (await d.data())[0]);
  } finally {
    diffs.forEach((d) => d.dispose());
  }
  try {
    if (!(maxRelativeError <= tolerance)) {
      noGrad(() =>
        pairs.forEach(([layer, bn], i) => {
          const s = saved[i];
          layer.weight.assign(s.weight);
          if (s.bias && layer.bias) layer.bias.assign(s.bias);
          else {
            layer.bias?.dispose();
            layer.bias = null;
          }
          bn.folded = false;
        }),
      );
      throw new LayerConfigError(
        `fuseBatchNorm: the fused model's outputs differ from the unfused ones by ${maxRelativeError.toExponential(2)} (relative; ` +
          `tolerance ${tolerance}); ` +
          `nothing was folded. A layer's output may be read by more than its batch norm.`,
      );
    }
  } finally {
    for (const s of saved) {
      s.weight.dispose();
      s.bias?.dispose();
    }
  }
  return { folded: pairs.map(([l, bn]) => [names.get(l)!, names.get(bn)!] as const), maxRelativeError };
}

/** Batch norms whose input is the output of a foldable layer that nothing else reads. */
function findPairs(calls: readonly Call[]): [AnyModule & Foldable, BatchNormBase][] {
  const producer = new Map<Tensor, AnyModule>();
  // Containers (Sequential) re-emit their last child's output after it: the innermost producer wins.
  for (const c of calls) for (const t of outputsOf(c.output)) if (!producer.has(t)) producer.set(t, c.module);
  const pairs: [AnyModule & Foldable, BatchNormBase][] = [];
  for (const c of calls) {
    const bn = c.module;
    if (!(bn instanceof BatchNormBase) || bn.folded || !bn.runningMean || !bn.runningVar) continue;
    const [x] = c.inputs;
    if (!isTensor(x)) continue;
    const layer = producer.get(x);
    // Read by the batch norm alone (containers that hand it on read it as their own input).
    const readers = calls.filter((o) => !isContainerOf(o.module, bn) && o.inputs.includes(x)).length;
    if (!layer || !isFoldable(layer) || readers !== 1 || pairs.some(([l]) => l === layer)) continue;
    if (layer.weight.shape[0] !== bn.numFeatures) continue;
    pairs.push([layer, bn]);
  }
  return pairs;
}

function isContainerOf(outer: AnyModule, inner: AnyModule): boolean {
  return outer !== inner && outer.modules().includes(inner);
}
