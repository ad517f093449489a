/** onnxruntime's contrib attention as a one-node ONNX graph (com.microsoft domain). */
import { DataType, graph, model, node, valueInfo } from './onnx.js';

/**
 * com.microsoft MultiHeadAttention (onnxruntime's CPU contrib op): query, key and value
 * [batch, L, H·E] (heads packed in the last axis, "BSNH"), `num_heads` H, the default
 * scale 1/√E; output [batch, L, H·E]. Forward only (onnxruntime-node has no training).
 */
export function multiHeadAttentionModel(batch: number, l: number, heads: number, e: number): Uint8Array {
  const dims = [batch, l, heads * e];
  return model(
    graph({
      name: `mha_${l}`,
      nodes: [
        node({
          opType: 'MultiHeadAttention',
          domain: 'com.microsoft',
          inputs: ['query', 'key', 'value'],
          outputs: ['out'],
          name: 'mha',
          attrs: { num_heads: heads },
        }),
      ],
      initializers: [],
      inputs: ['query', 'key', 'value'].map((n) => valueInfo(n, DataType.FLOAT, dims)),
      outputs: [valueInfo('out', DataType.FLOAT, dims)],
    }),
    13,
    7,
    { 'com.microsoft': 1 },
  );
}
