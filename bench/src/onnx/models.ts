/** The ONNX graphs the benchmark runs on onnxruntime, built in memory (opset 13). */
import type { Named } from '../data.js';
import { DataType, floatTensor, graph, model, node, valueInfo } from './onnx.js';

/** C = A·B with both operands fed as inputs, [n, n] each. */
export function matmulModel(n: number): Uint8Array {
  return model(
    graph({
      name: `matmul${n}`,
      nodes: [node({ opType: 'MatMul', inputs: ['A', 'B'], outputs: ['C'] })],
      initializers: [],
      inputs: [valueInfo('A', DataType.FLOAT, [n, n]), valueInfo('B', DataType.FLOAT, [n, n])],
      outputs: [valueInfo('C', DataType.FLOAT, [n, n])],
    }),
  );
}

/**
 * The MNIST CNN (inference): Conv 1→32 k5 → MaxPool 3/3 → Relu → Conv 32→64 k5 →
 * MaxPool 2/2 → Relu → Flatten → Gemm 256→200 → Relu → Gemm 200→10. Input x
 * [batch, 1, 28, 28], output logits [batch, 10]. `params` in canonical layout (OIHW conv
 * filters, [in, out] dense weights: Gemm with transB = 0).
 */
export function cnnModel(params: readonly Named[], batch: number): Uint8Array {
  const p = new Map(params.map((t) => [t.name, t]));
  const get = (name: string): Named => {
    const t = p.get(name);
    if (!t) throw new Error(`cnnModel: missing parameter ${name}`);
    return t;
  };
  const conv = (i: string, w: string, b: string, o: string) =>
    node({
      opType: 'Conv',
      inputs: [i, w, b],
      outputs: [o],
      name: o,
      attrs: { kernel_shape: [5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 },
    });
  const pool = (i: string, k: number, o: string) =>
    node({ opType: 'MaxPool', inputs: [i], outputs: [o], name: o, attrs: { kernel_shape: [k, k], strides: [k, k], pads: [0, 0, 0, 0] } });
  const relu = (i: string, o: string) => node({ opType: 'Relu', inputs: [i], outputs: [o], name: o });
  const gemm = (i: string, w: string, b: string, o: string) =>
    node({
      opType: 'Gemm',
      inputs: [i, w, b],
      outputs: [o],
      name: o,
      attrs: { alpha: { float: 1 }, beta: { float: 1 }, transA: 0, transB: 0 },
    });
  const nodes = [
    conv('x', 'conv1.w', 'conv1.b', 'c1'),
    pool('c1', 3, 'p1'),
    relu('p1', 'r1'),
    conv('r1', 'conv2.w', 'conv2.b', 'c2'),
    pool('c2', 2, 'p2'),
    relu('p2', 'r2'),
    node({ opType: 'Flatten', inputs: ['r2'], outputs: ['flat'], name: 'flat', attrs: { axis: 1 } }),
    gemm('flat', 'fc1.w', 'fc1.b', 'f1'),
    relu('f1', 'h1'),
    gemm('h1', 'fc2.w', 'fc2.b', 'logits'),
  ];
  const names = ['conv1.w', 'conv1.b', 'conv2.w', 'conv2.b', 'fc1.w', 'fc1.b', 'fc2.w', 'fc2.b'];
  return model(
    graph({
      name: 'mnist_cnn',
      nodes,
      initializers: names.map((n) => {
        const t = get(n);
        return floatTensor(n, t.shape, t.values);
      }),
      inputs: [valueInfo('x', DataType.FLOAT, [batch, 1, 28, 28])],
      outputs: [valueInfo('logits', DataType.FLOAT, [batch, 10])],
    }),
  );
}
