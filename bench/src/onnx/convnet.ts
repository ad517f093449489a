/**
 * The ONNX graph (opset 13) of a convnet plan (`src/convnets/plan.ts`) with the given
 * weights: Conv, BatchNormalization (inference form, the zoo's ε), Relu, Add, MaxPool,
 * GlobalAveragePool + Flatten, Flatten, Gemm (transB = 1: Linear's [out, in] weights).
 * Batch norms are written as nodes, unfolded: onnxruntime folds them itself.
 */
import type { Named } from '../data.js';
import { BN_EPS, weightLookup } from '../convnets/weights.js';
import { planParams, type NetOp, type NetPlan } from '../convnets/plan.js';
import { DataType, floatTensor, graph, model, node, valueInfo } from './onnx.js';

function nodesOf(o: NetOp): Uint8Array[] {
  switch (o.op) {
    case 'conv':
      return [
        node({
          opType: 'Conv',
          inputs: [o.x, `${o.name}.weight`, ...(o.bias ? [`${o.name}.bias`] : [])],
          outputs: [o.y],
          name: o.name,
          attrs: {
            kernel_shape: [o.k, o.k],
            strides: [o.stride, o.stride],
            pads: [o.pad, o.pad, o.pad, o.pad],
            dilations: [1, 1],
            group: 1,
          },
        }),
      ];
    case 'bn':
      return [
        node({
          opType: 'BatchNormalization',
          inputs: [o.x, ...['weight', 'bias', 'running_mean', 'running_var'].map((s) => `${o.name}.${s}`)],
          outputs: [o.y],
          name: o.name,
          attrs: { epsilon: { float: BN_EPS } },
        }),
      ];
    case 'relu':
      return [node({ opType: 'Relu', inputs: [o.x], outputs: [o.y], name: o.y })];
    case 'add':
      return [node({ opType: 'Add', inputs: [o.x, o.x2], outputs: [o.y], name: o.y })];
    case 'maxpool':
      return [
        node({
          opType: 'MaxPool',
          inputs: [o.x],
          outputs: [o.y],
          name: o.y,
          attrs: { kernel_shape: [o.k, o.k], strides: [o.stride, o.stride], pads: [o.pad, o.pad, o.pad, o.pad] },
        }),
      ];
    case 'gap':
      return [
        node({ opType: 'GlobalAveragePool', inputs: [o.x], outputs: [`${o.y}.pooled`], name: `${o.y}.pooled` }),
        node({ opType: 'Flatten', inputs: [`${o.y}.pooled`], outputs: [o.y], name: o.y, attrs: { axis: 1 } }),
      ];
    case 'flatten':
      return [node({ opType: 'Flatten', inputs: [o.x], outputs: [o.y], name: o.y, attrs: { axis: 1 } })];
    case 'linear':
      return [
        node({
          opType: 'Gemm',
          inputs: [o.x, `${o.name}.weight`, `${o.name}.bias`],
          outputs: [o.y],
          name: o.name,
          attrs: { alpha: { float: 1 }, beta: { float: 1 }, transA: 0, transB: 1 },
        }),
      ];
  }
}

/**
 * ModelProto bytes of `plan` for input `x` [batch, inChannels, size, size] and output
 * `logits` [batch, classes]; every parameter of the plan must be in `weights` with its shape.
 */
export function convNetModel(plan: NetPlan, weights: readonly Named[], batch: number): Uint8Array {
  const get = weightLookup(weights, `convNetModel(${plan.name})`);
  const initializers = planParams(plan).map((p) => {
    const w = get(p.name);
    if (w.shape.join() !== p.shape.join())
      throw new Error(`convNetModel(${plan.name}): ${p.name} has shape [${w.shape}], the plan needs [${p.shape}]`);
    return floatTensor(p.name, p.shape, w.values);
  });
  const renamed = plan.ops.map((o) => (o.y === plan.output ? { ...o, y: 'logits' } : o));
  return model(
    graph({
      name: plan.name.replace(/[^A-Za-z0-9_]/g, '_'),
      nodes: renamed.flatMap(nodesOf),
      initializers,
      inputs: [valueInfo('x', DataType.FLOAT, [batch, plan.inChannels, plan.size, plan.size])],
      outputs: [valueInfo('logits', DataType.FLOAT, [batch, plan.classes])],
    }),
  );
}
