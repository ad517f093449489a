/**
 * Differential testing: seeded random chains of 4–8 unary / binary / reduction / movement
 * / matmul ops on random small shapes. The same chain (same values) runs on the target
 * and on the CPU; outputs and the input gradient are compared.
 */
import * as T from '@tessera/core';
import type { Tensor } from '@tessera/core';
import { Rng } from './rng.js';

/** A constant operand of a step, uploaded to each backend. */
export interface ChainValue {
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

/** One op of a chain. */
export interface ChainStep {
  /** Op name (for `skip`). */
  readonly op: string;
  /** Human-readable description, e.g. `sum(axes [1], keepDims)`. */
  readonly desc: string;
  readonly aux: readonly ChainValue[];
  readonly apply: (x: Tensor, aux: readonly Tensor[]) => Tensor;
  /** Output shape, as the builder predicts it (checked at run time). */
  readonly shape: readonly number[];
}

/** A random op chain. */
export interface Chain {
  readonly id: string;
  readonly input: ChainValue;
  readonly steps: readonly ChainStep[];
  /** Output-gradient weights for the backward comparison. */
  readonly cotangent: readonly number[];
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const values = (r: Rng, shape: readonly number[], g: (r: Rng) => number = (q) => Math.max(-2, Math.min(2, q.normal()))): ChainValue => ({
  shape,
  values: Array.from({ length: size(shape) }, () => g(r)),
});
const awayZero = (r: Rng) => r.sign() * r.uniform(0.5, 2);

type Maker = (r: Rng, s: readonly number[]) => ChainStep | null;

const UNARY: Record<string, (x: Tensor) => Tensor> = {
  neg: T.neg,
  abs: T.abs,
  tanh: T.tanh,
  sigmoid: T.sigmoid,
  sin: T.sin,
  cos: T.cos,
  square: (x) => T.square(T.tanh(x)),
  relu: T.relu,
  softplus: T.softplus,
  erf: T.erf,
  gelu: T.gelu,
  leakyRelu: (x) => T.leakyRelu(x, 0.1),
  elu: T.elu,
  exp: (x) => T.exp(T.tanh(x)),
  log: (x) => T.log(T.add(T.abs(x), 0.5)),
  sqrt: (x) => T.sqrt(T.add(T.abs(x), 0.5)),
  clip: (x) => T.clip(x, -1, 1),
};

/** A shape that broadcasts against s: some axes set to 1, maybe fewer leading axes, or 0-d. */
function broadcastable(r: Rng, s: readonly number[]): number[] {
  const k = r.next();
  if (k < 0.15) return [];
  if (k < 0.4) return [...s];
  const drop = r.int(0, s.length + 1);
  return s.slice(drop).map((d) => (r.next() < 0.4 ? 1 : d));
}

const BINARY: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  add: T.add,
  sub: T.sub,
  mul: T.mul,
  div: T.div,
  maximum: T.maximum,
  minimum: T.minimum,
  pow: (a, b) => T.pow(T.add(T.abs(a), 0.5), T.tanh(b)),
};

const MAKERS: Record<string, Maker> = {
  unary: (r, s) => {
    const op = r.pick(Object.keys(UNARY));
    return { op, desc: op, aux: [], apply: (x) => UNARY[op](x), shape: [...s] };
  },
  binary: (r, s) => {
    const op = r.pick(Object.keys(BINARY));
    const bs = broadcastable(r, s);
    const swap = r.next() < 0.3;
    const out = broadcastShape(s, bs);
    const aux = values(r, bs, op === 'div' ? awayZero : undefined);
    const f = BINARY[op];
    return {
      op,
      desc: `${op}(${swap ? `c${fmt(bs)}, x` : `x, c${fmt(bs)}`})`,
      aux: [aux],
      apply: (x, [c]) => (swap && op !== 'div' && op !== 'pow' ? f(c, x) : f(x, c)),
      shape: out,
    };
  },
  reduce: (r, s) => {
    if (s.length === 0) return null;
    const op = r.pick(['sum', 'mean', 'max', 'min', 'logSumExp'] as const);
    const axes = s.map((_, i) => i).filter(() => r.next() < 0.5);
    if (axes.length === 0) axes.push(r.int(0, s.length));
    const keep = r.next() < 0.5;
    const shape = keep ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
    return { op, desc: `${op}(axes ${fmt(axes)}${keep ? ', keepDims' : ''})`, aux: [], apply: (x) => T[op](x, axes, keep), shape };
  },
  softmax: (r, s) => {
    if (s.length === 0) return null;
    const axis = r.int(0, s.length);
    const op = r.pick(['softmax', 'logSoftmax'] as const);
    return { op, desc: `${op}(axis ${axis})`, aux: [], apply: (x) => T[op](x, axis), shape: [...s] };
  },
  transpose: (r, s) => {
    if (s.length < 2) return null;
    const perm = r.perm(s.length);
    return { op: 'transpose', desc: `permute(${fmt(perm)})`, aux: [], apply: (x) => T.permute(x, perm), shape: perm.map((p) => s[p]) };
  },
  flip: (r, s) => {
    if (s.length === 0) return null;
    const axis = r.int(0, s.length);
    return { op: 'flip', desc: `flip(${axis})`, aux: [], apply: (x) => T.flip(x, axis), shape: [...s] };
  },
  reshape: (r, s) => {
    if (s.length >= 2 && r.next() < 0.5) {
      return { op: 'reshape', desc: 'flatten', aux: [], apply: (x) => T.flatten(x), shape: [size(s)] };
    }
    if (s.length >= 4) return null;
    const axis = r.int(0, s.length + 1);
    return {
      op: 'reshape',
      desc: `unsqueeze(${axis})`,
      aux: [],
      apply: (x) => T.unsqueeze(x, axis),
      shape: [...s.slice(0, axis), 1, ...s.slice(axis)],
    };
  },
  slice: (r, s) => {
    const axes = s.map((d, i) => (d >= 2 ? i : -1)).filter((i) => i >= 0);
    if (axes.length === 0) return null;
    const a = r.pick(axes);
    const step = s[a] >= 3 && r.next() < 0.5 ? 2 : 1;
    const begin = s.map((_, i) => (i === a ? 1 : 0));
    const n = Math.ceil((s[a] - 1) / step);
    const sz = s.map((d, i) => (i === a ? n : d));
    const st = s.map((_, i) => (i === a ? step : 1));
    return { op: 'slice', desc: `slice(axis ${a}, from 1, step ${step})`, aux: [], apply: (x) => T.slice(x, begin, sz, st), shape: sz };
  },
  pad: (r, s) => {
    if (s.length === 0 || size(s) > 32) return null;
    const a = r.int(0, s.length);
    const pads = s.map((_, i): [number, number] => (i === a ? [1, r.int(0, 2)] : [0, 0]));
    const value = r.pick([0, 0.5]);
    return {
      op: 'pad',
      desc: `pad(axis ${a}, ${fmt(pads[a])}, ${value})`,
      aux: [],
      apply: (x) => T.pad(x, pads, value),
      shape: s.map((d, i) => d + pads[i][0] + pads[i][1]),
    };
  },
  concat: (r, s) => {
    if (s.length === 0 || size(s) > 32) return null;
    const a = r.int(0, s.length);
    const cs = s.map((d, i) => (i === a ? r.int(1, 3) : d));
    const first = r.next() < 0.5;
    return {
      op: 'concat',
      desc: `concat(axis ${a}, c${fmt(cs)} ${first ? 'first' : 'last'})`,
      aux: [values(r, cs)],
      apply: (x, [c]) => T.concat(first ? [c, x] : [x, c], a),
      shape: s.map((d, i) => (i === a ? d + cs[i] : d)),
    };
  },
  broadcastTo: (r, s) => {
    if (s.length >= 4 || size(s) > 32) return null;
    const shape = [2, ...s.map((d) => (d === 1 && r.next() < 0.5 ? 3 : d))];
    return { op: 'broadcastTo', desc: `broadcastTo(${fmt(shape)})`, aux: [], apply: (x) => T.broadcastTo(x, shape), shape };
  },
  matmul: (r, s) => {
    if (s.length === 0) return null;
    const k = r.int(1, 4);
    const ws = [s[s.length - 1], k];
    return {
      op: 'matmul',
      desc: `matmul(x, c${fmt(ws)})`,
      aux: [values(r, ws)],
      apply: (x, [c]) => T.matmul(x, c),
      shape: [...s.slice(0, -1), k],
    };
  },
};

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

const fmt = (v: unknown) => JSON.stringify(v).replace(/,/g, ', ');

/**
 * Builds `count` random chains from `seed`. Ops named in `exclude` (skipped ops) never
 * appear. Deterministic: the same arguments give the same chains.
 */
export function buildChains(count: number, seed: number, exclude: ReadonlySet<string> = new Set()): Chain[] {
  const r = new Rng(seed);
  const kinds = Object.keys(MAKERS);
  const chains: Chain[] = [];
  for (let c = 0; c < count; c++) {
    const rank = r.int(0, 4);
    let shape: readonly number[] = Array.from({ length: rank }, () => r.int(1, 5));
    const input = values(r, shape);
    const steps: ChainStep[] = [];
    const len = r.int(4, 9);
    for (let tries = 0; steps.length < len && tries < 200; tries++) {
      const kind = r.pick(kinds);
      const step = MAKERS[kind](r, shape);
      if (!step || exclude.has(step.op)) continue;
      steps.push(step);
      shape = step.shape;
    }
    chains.push({ id: `chain ${c}`, input, steps, cotangent: values(r, shape).values });
  }
  return chains;
}

/** Runs a chain on one backend; returns the output tensor and the input leaf. */
export function applyChain(chain: Chain, backend: string, withGrad: boolean): { x: Tensor; y: Tensor } {
  const up = (v: ChainValue) => T.tensor(Float32Array.from(v.values), { shape: v.shape, dtype: 'float32', backend });
  const x = up(chain.input);
  if (withGrad) x.requiresGrad_();
  let y = x;
  for (const [i, step] of chain.steps.entries()) {
    y = step.apply(y, step.aux.map(up));
    if (y.shape.length !== step.shape.length || y.shape.some((d, k) => d !== step.shape[k])) {
      throw new Error(`${chain.id} step ${i} (${step.desc}): shape [${y.shape}] but the kit predicted [${step.shape}] (a kit bug).`);
    }
  }
  return { x, y };
}

/** A one-line description of a chain. */
export function describeChain(chain: Chain): string {
  return `x${fmt(chain.input.shape)} → ${chain.steps.map((s) => s.desc).join(' → ')}`;
}
