/**
 * Seeded weights for a plan (canonical layouts: OIHW conv filters, [out, in] linear
 * weights, as the zoo stores them) and the batch norm fold the tfjs column applies at
 * setup, as tfjs-converter does for a converted model.
 */
import { randn, rng, uniform, type Named } from '../data.js';
import { planParams, readers, type NetOp, type NetPlan, type PlanParam } from './plan.js';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Values for one parameter: He-normal weights, small biases, batch norm statistics away from identity. */
function values(p: PlanParam, next: () => number): Float32Array {
  const n = size(p.shape);
  const affine = (lo: number, hi: number) => uniform(n, next).map((u) => lo + (hi - lo) * u);
  switch (p.role) {
    case 'convWeight':
      return randn(n, Math.sqrt(2 / p.fanIn), next);
    case 'linearWeight':
      return randn(n, Math.sqrt(1 / p.fanIn), next);
    case 'bias':
    case 'bnBias':
    case 'bnMean':
      return randn(n, 0.1, next);
    // γ < 1 and σ² > 1 keep the activations of a deep residual net from growing block by block.
    case 'bnWeight':
      return affine(0.3, 0.8);
    case 'bnVar':
      return affine(0.8, 1.6);
  }
}

/** Every parameter and batch norm buffer of `plan`, seeded (the same arrays for every library). */
export function planWeights(plan: NetPlan, seed: number): Named[] {
  const next = rng(seed);
  return planParams(plan).map((p) => ({ name: p.name, shape: p.shape, values: values(p, next) }));
}

/** Batch norm epsilon of the zoo's BatchNorm2d (PyTorch's default). */
export const BN_EPS = 1e-5;

/** Looks a weight up by name, with a clear error. */
export function weightLookup(weights: readonly Named[], who: string): (name: string) => Named {
  const m = new Map(weights.map((w) => [w.name, w]));
  return (name) => {
    const w = m.get(name);
    if (!w) throw new Error(`${who}: weight ${name} is missing (have ${m.size} weights)`);
    return w;
  };
}

/**
 * Folds each batch norm that reads only a bias-free or biased conv's output (and is that
 * output's only reader) into the conv: W ← W·γ/√(σ²+ε), b ← (b − μ)·γ/√(σ²+ε) + β.
 * Returns the plan without those batch norms (the conv now writes the bn's output) and the
 * new weights; other weights are passed through.
 */
export function foldBatchNorms(plan: NetPlan, weights: readonly Named[]): { plan: NetPlan; weights: Named[] } {
  const get = weightLookup(weights, 'foldBatchNorms');
  const producer = new Map(plan.ops.filter((o) => o.op === 'conv').map((o) => [o.y, o]));
  const folded = new Map<string, Named[]>();
  const ops: NetOp[] = [];
  const rename = new Map<string, string>();
  for (const o of plan.ops) {
    const conv = o.op === 'bn' ? producer.get(o.x) : undefined;
    if (o.op !== 'bn' || !conv || readers(plan, o.x) !== 1) {
      ops.push(o);
      continue;
    }
    const w = get(`${conv.name}.weight`);
    const [g, beta, mean, v] = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => get(`${o.name}.${s}`).values);
    const per = w.values.length / conv.cout;
    const fw = new Float32Array(w.values.length);
    const fb = new Float32Array(conv.cout);
    const b0 = conv.bias ? get(`${conv.name}.bias`).values : undefined;
    for (let c = 0; c < conv.cout; c++) {
      const s = g[c] / Math.sqrt(v[c] + BN_EPS);
      for (let i = c * per; i < (c + 1) * per; i++) fw[i] = w.values[i] * s;
      fb[c] = ((b0?.[c] ?? 0) - mean[c]) * s + beta[c];
    }
    folded.set(conv.name, [
      { name: `${conv.name}.weight`, shape: w.shape, values: fw },
      { name: `${conv.name}.bias`, shape: [conv.cout], values: fb },
    ]);
    rename.set(conv.y, o.y);
  }
  const out = ops.map((o): NetOp => (o.op === 'conv' && rename.has(o.y) ? { ...o, y: rename.get(o.y)!, bias: true } : o));
  const foldedNames = new Set([...folded.keys()].flatMap((c) => [`${c}.weight`, `${c}.bias`]));
  const bnNames = new Set(
    plan.ops
      .filter((o) => o.op === 'bn' && !out.includes(o))
      .flatMap((o) => (o.op === 'bn' ? ['weight', 'bias', 'running_mean', 'running_var'].map((s) => `${o.name}.${s}`) : [])),
  );
  return {
    plan: { ...plan, ops: out },
    weights: [...weights.filter((w) => !foldedNames.has(w.name) && !bnNames.has(w.name)), ...[...folded.values()].flat()],
  };
}
