/**
 * One optimizer step (Adam, and SGD with momentum 0.9) over a 1M-parameter model: four
 * float32 [500, 500] parameters with fixed gradients, so only the update is timed.
 * Tessera uses @tessera/optim; tfjs uses tf.train.adam / tf.train.momentum through
 * applyGradients. The probe is the first 8 values of the first parameter after one step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Parameter, tensor } from '@tessera/core';
import { Adam, SGD, type Optimizer } from '@tessera/optim';
import { rng, uniform } from '../data.js';
import type { Adapter, Runner } from '../adapters/types.js';
import { once, type Workload } from './types.js';

const OPTIM_SHAPE = [500, 500] as const;
const OPTIM_PARAMS = 4;
const LR = 1e-3;
const MOMENTUM = 0.9;

interface OptimData {
  readonly values: Float32Array[];
  readonly grads: Float32Array[];
}

function optimData(): OptimData {
  const n = OPTIM_SHAPE[0] * OPTIM_SHAPE[1];
  const values = Array.from({ length: OPTIM_PARAMS }, (_, i) => uniform(n, rng(100 + i)));
  const grads = Array.from({ length: OPTIM_PARAMS }, (_, i) => uniform(n, rng(200 + i)));
  return { values, grads };
}

type Kind = 'adam' | 'sgd-momentum';

function tesseraRunner(d: OptimData, kind: Kind): Runner {
  const params = d.values.map((v, i) => {
    const t = tensor(v, { shape: OPTIM_SHAPE });
    const p = new Parameter(t, { name: `w${i}` });
    t.dispose();
    p.grad = tensor(d.grads[i], { shape: OPTIM_SHAPE });
    return p;
  });
  const opt: Optimizer<any> =
    kind === 'adam' ? new Adam(params, { lr: LR, eps: 1e-8 }) : new SGD(params, { lr: LR, momentum: MOMENTUM });
  return {
    async run() {
      opt.step();
      const head = params[0].slice([0, 0], [1, 8]);
      const out = Float32Array.from((await head.data()) as Float32Array);
      head.dispose();
      return out;
    },
    dispose() {
      opt.dispose();
      for (const p of params) p.dispose(); // also disposes p.grad
    },
  };
}

function tfjsRunner(d: OptimData, kind: Kind): Runner {
  const vars = d.values.map((v, i) => {
    const init = tf.tensor2d(v, [...OPTIM_SHAPE]);
    const variable = tf.variable(init, true, `optim_w${i}_${Date.now()}_${Math.random()}`);
    init.dispose(); // the variable holds its own reference to the values
    return variable;
  });
  const grads = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor2d(d.grads[i], [...OPTIM_SHAPE]) }));
  const opt = kind === 'adam' ? tf.train.adam(LR, 0.9, 0.999, 1e-8) : tf.train.momentum(LR, MOMENTUM);
  return {
    async run() {
      opt.applyGradients(grads);
      const head = tf.tidy(() => vars[0].slice([0, 0], [1, 8]));
      const out = Float32Array.from(await head.data());
      head.dispose();
      return out;
    },
    dispose() {
      opt.dispose();
      // tf.train.momentum keeps its lr scalar in `c` and dispose() does not free it.
      (opt as unknown as { c?: tf.Tensor }).c?.dispose();
      for (const v of vars) v.dispose();
      for (const g of grads) g.tensor.dispose();
    },
  };
}

function prepare(a: Adapter, d: OptimData, kind: Kind): Promise<Runner> | undefined {
  if (a.name.startsWith('tessera-')) return Promise.resolve(tesseraRunner(d, kind));
  if (a.name.startsWith('tfjs-')) return Promise.resolve(tfjsRunner(d, kind));
  return undefined;
}

export function optimWorkloads(): Workload[] {
  const data = once(optimData);
  const make = (kind: Kind, label: string): Workload => ({
    id: `optim-${kind}`,
    label: `${label} step, 1M params (4×[500, 500])`,
    unit: 'steps/s',
    throughput: (ms) => 1000 / ms,
    prepare: (a) => prepare(a, data(), kind),
    probe: 'w0[0, :8] after step 1',
  });
  return [make('adam', 'Adam'), make('sgd-momentum', 'SGD momentum 0.9')];
}
