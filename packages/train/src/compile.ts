import type { Tensor } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import { type Optimizer, optimizer as makeOptimizer } from '@tessera/optim';
import type { History, Logs } from './callbacks/callback.js';
import type { DataSource } from './data.js';
import { type EvaluateOptions, evaluate, predict } from './evaluate.js';
import { type FitOptions, fit } from './fit.js';
import { type LossFn, type MetricSpec, resolveLoss } from './resolve.js';

/** Options of `compile` (Keras' `model.compile`). */
export interface CompileOptions {
  /** An optimizer, or a name from @tessera/optim's registry ('sgd', 'adam', …). */
  readonly optimizer: Optimizer | string;
  /** Options for a named optimizer (`{ lr: 0.1, momentum: 0.9 }`). */
  readonly optimizerOptions?: Record<string, unknown>;
  readonly loss: LossFn | string;
  readonly metrics?: readonly MetricSpec[];
}

/** Fit options once the model is compiled: loss, optimizer and metrics come from `compile`. */
export type CompiledFitOptions = Omit<FitOptions, 'loss' | 'optimizer' | 'metrics'> & { readonly metrics?: readonly MetricSpec[] };

/** A model bound to its loss, optimizer and metrics (what `compile` returns). */
export interface CompiledModel {
  readonly model: AnyModule;
  readonly optimizer: Optimizer;
  readonly loss: LossFn;
  readonly metrics: readonly MetricSpec[];
  fit(data: DataSource, opts?: CompiledFitOptions): Promise<History>;
  evaluate(data: DataSource, opts?: Omit<EvaluateOptions, 'loss' | 'metrics'>): Promise<Logs>;
  predict(x: Tensor, opts?: { batchSize?: number }): Promise<Tensor>;
}

/**
 * Binds a model to an optimizer, a loss and metrics, Keras style; the module stays a
 * plain module (a hand-written loop still works on it).
 *
 * @example
 * const m = compile(net, { optimizer: 'sgd', optimizerOptions: { lr: 0.1 }, loss: 'crossEntropy', metrics: ['accuracy'] });
 * await m.fit({ x, y }, { epochs: 10, batchSize: 100, validationSplit: 0.1 });
 * await m.evaluate({ x: xTest, y: yTest });
 */
export function compile(model: AnyModule, opts: CompileOptions): CompiledModel {
  const optimizer =
    typeof opts.optimizer === 'string' ? makeOptimizer(opts.optimizer, model.parameters(), opts.optimizerOptions ?? {}) : opts.optimizer;
  const loss = resolveLoss(opts.loss);
  const metrics = opts.metrics ?? [];
  return {
    model, optimizer, loss, metrics,
    fit: (data, o = {}) => fit(model, data, { ...o, loss, optimizer, metrics: o.metrics ?? metrics }),
    evaluate: (data, o = {}) => evaluate(model, data, { ...o, loss, metrics }),
    predict: (x, o = {}) => predict(model, x, o),
  };
}
