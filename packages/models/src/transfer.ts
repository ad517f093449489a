import type { Parameter } from '@tessera/core';
import { Linear, summarize, type AnyModule, type Module } from '@tessera/layers';
import { ModelConfigError } from './errors.js';

/** A model with a replaceable linear classifier named `fc` (ResNet, SequenceClassifier-like). */
export interface HasFcHead extends Module {
  fc: Linear;
}

/** Replaces the `fc` classifier with a fresh Linear of `numClasses` outputs. Returns the model. */
export function replaceHead<M extends HasFcHead>(model: M, numClasses: number): M {
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new ModelConfigError('replaceHead', `numClasses is ${numClasses}`, 'Pass a positive integer.');
  model.fc = new Linear(model.fc.inFeatures, numClasses);
  return model;
}

const isHead = (name: string, head: string) => name === head || name.startsWith(`${head}.`);

/**
 * The dotted name of a model's classifier, the layer a new task replaces: `fc` when the
 * model has a Linear of that name (ResNet), else its last Linear layer in module order
 * (`'9'` for the MNIST CNN, a Sequential). Throws `ModelConfigError` when it has no Linear.
 *
 * @example
 * headName(mnistCnn()); // '9'
 * headName(resnet('resnet20')); // 'fc'
 */
export function headName(model: AnyModule): string {
  const linears = model.namedModules().filter(([, m]) => m instanceof Linear);
  const fc = linears.find(([n]) => n === 'fc');
  const last = fc ?? linears.at(-1);
  if (!last)
    throw new ModelConfigError(
      'headName',
      `${model.typeName} has no Linear layer`,
      'Transfer learning needs a model whose classifier is a Linear layer.',
    );
  return last[0];
}

/** Whether the dotted parameter or buffer name belongs to the head `head` (e.g. `fc.weight` to `fc`). */
export function inHead(name: string, head: string): boolean {
  return isHead(name, head);
}

/** Freezes every parameter outside the head (dotted prefix, default 'fc'). Returns the model. */
export function freezeBackbone<M extends AnyModule>(model: M, head = 'fc'): M {
  for (const [n, p] of model.namedParameters()) p.requiresGrad = isHead(n, head);
  return model;
}

/**
 * Parameter groups for fine-tuning: the backbone at `backboneLr`, the head at `headLr`.
 *
 * @example
 * const opt = new SGD(fineTuneGroups(net, { headLr: 1e-2, backboneLr: 1e-3 }), { lr: 1e-2 });
 */
export function fineTuneGroups(
  model: AnyModule,
  lrs: { headLr: number; backboneLr: number },
  head = 'fc',
): { params: Parameter[]; lr: number }[] {
  const named = model.namedParameters();
  const headParams = named.filter(([n]) => isHead(n, head)).map(([, p]) => p);
  if (headParams.length === 0)
    throw new ModelConfigError('fineTuneGroups', `no parameter is named '${head}.*'`, "Pass the head's dotted name as the third argument.");
  return [
    { params: named.filter(([n]) => !isHead(n, head)).map(([, p]) => p), lr: lrs.backboneLr },
    { params: headParams, lr: lrs.headLr },
  ];
}

/** Keras-style summary table of a model for one input shape (batch included). */
export function summary(model: AnyModule, inputShape: readonly number[]): string {
  return summarize(model, [inputShape]).toString();
}
