import { type RecordedOp, type Tensor, isTensor } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import { capture } from './capture.js';
import { encodeModelProto } from './encode.js';
import { OnnxExportError } from './errors.js';
import { GraphBuilder, valueInfo } from './graph.js';
import { type EmitContext, OP_MAPPINGS } from './ops/index.js';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** ONNX opset of the default domain, 17 (default) to 21. */
  readonly opset?: number;
  /** Graph name (default: the model's class name). */
  readonly graphName?: string;
  /** Graph input names (default `input`, or `input_0`, `input_1`, … for several). */
  readonly inputNames?: readonly string[];
  /** Graph output names (default `output`, `output_0`, …, or an output record's keys). */
  readonly outputNames?: readonly string[];
}

/** Supported opsets of the default domain. */
export const MIN_OPSET = 17;
export const MAX_OPSET = 21;
/** ONNX IR version written: 8 (the IR of opset 17; newer opsets raise it as ONNX requires). */
const irVersion = (opset: number): number => (opset <= 17 ? 8 : opset <= 19 ? 9 : 10);

/** The model's outputs as named tensors: a tensor, an array of them or a record of them. */
function namedOutputs(out: unknown, names: readonly string[] | undefined): [string, Tensor][] {
  let pairs: [string, unknown][];
  if (isTensor(out)) pairs = [['output', out]];
  else if (Array.isArray(out)) pairs = out.map((t, i) => [`output_${i}`, t]);
  else if (typeof out === 'object' && out !== null) pairs = Object.entries(out);
  else pairs = [['output', out]];
  return pairs.map(([n, t], i) => {
    if (!isTensor(t))
      throw new OnnxExportError(`exportOnnx: the model's output '${n}' is ${String(t)}, not a tensor; ONNX outputs must be tensors.`);
    return [names?.[i] ?? n, t];
  });
}

/**
 * Exports a model to ONNX: runs `model` once on `exampleInput` in eval mode without
 * gradients, records every op it issues, and writes each as ONNX nodes (Conv, MatMul,
 * Add, Relu, MaxPool, Concat, …). Parameters and buffers become initializers under their
 * state-dict names (PyTorch's: `features.0.weight`, `bn1.running_var`); other constants
 * become `const*` initializers. The graph has the example input's static shapes. An op
 * with no ONNX mapping is an `OnnxExportError` listing each such op with the module that
 * issued it. Reads the weights synchronously, so export on the CPU backend.
 *
 * @param exampleInput - one tensor, or one per argument of `model.call`.
 * @returns the `.onnx` file's bytes (protobuf `ModelProto`, encoded with protobufjs from
 *   the official onnx.proto).
 * @example
 * const bytes = exportOnnx(resnet('resnet20', { numClasses: 10 }), randn([1, 3, 32, 32]));
 * await writeFile('resnet20.onnx', bytes);
 */
export function exportOnnx(model: AnyModule, exampleInput: Tensor | readonly Tensor[], opts: ExportOnnxOptions = {}): Uint8Array {
  const opset = opts.opset ?? MIN_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OnnxExportError(`exportOnnx: opset ${opset} is not supported; use ${MIN_OPSET} to ${MAX_OPSET}.`);
  }
  const inputs = isTensor(exampleInput) ? [exampleInput] : [...exampleInput];
  const g = new GraphBuilder();
  const inputNames = inputs.map((_, i) => opts.inputNames?.[i] ?? (inputs.length === 1 ? 'input' : `input_${i}`));
  inputs.forEach((t, i) => g.bind(t, inputNames[i]));
  // Tied weights keep the first name.
  const stateNames = new Map<Tensor, string>();
  for (const [name, t] of Object.entries(model.stateDict())) if (!stateNames.has(t)) stateNames.set(t, name);

  /** The ONNX name of an op input: met before, a parameter/buffer, or a new constant. */
  const nameOf = (t: Tensor): string => {
    const known = g.nameOf(t);
    if (known !== undefined) return known;
    const state = stateNames.get(t);
    const name = state !== undefined ? g.fresh(state) : g.fresh('const');
    g.initializer(name, t.dtype, t.shape, t.dataSync(), true);
    g.bind(t, name);
    return name;
  };
  const problems: string[] = [];
  const emit = (call: RecordedOp, module: string): void => {
    const op = call.def.name;
    const mapping = OP_MAPPINGS.get(op);
    if (!mapping) {
      problems.push(`'${op}' (in ${module})`);
      g.bind(call.output, g.fresh(`unmapped_${op}`));
      return;
    }
    const ctx: EmitContext = {
      graph: g,
      attrs: call.attrs as Record<string, unknown>,
      inputs: call.inputs.map(nameOf),
      inputShapes: call.inputs.map((t) => t.shape),
      inputDTypes: call.inputs.map((t) => t.dtype),
      outShape: call.output.shape,
      outDType: call.output.dtype,
      opset,
      node: (opType, ins, attrs) => g.node(opType, ins, attrs),
      fail: (why) => {
        throw new OnnxExportError(`exportOnnx: op '${op}' (in ${module}): ${why}.`);
      },
    };
    g.bind(call.output, mapping(ctx));
  };
  const out = capture(model, inputs, emit);
  if (problems.length > 0) {
    throw new OnnxExportError(
      `exportOnnx: ${problems.length} op call(s) have no ONNX mapping: ${[...new Set(problems)].join(', ')}. ` +
        `Supported ops: ${[...OP_MAPPINGS.keys()].sort().join(', ')}.`,
    );
  }
  const outputs = namedOutputs(out, opts.outputNames).map(([name, t]) => {
    const inner = nameOf(t);
    const final = g.fresh(name);
    g.nodes.push({ op_type: 'Identity', name: g.fresh(`output_${final}`), input: [inner], output: [final] });
    return valueInfo(final, t.dtype, t.shape);
  });
  return encodeModelProto({
    ir_version: irVersion(opset),
    producer_name: 'tessera',
    producer_version: '0.1.0',
    opset_import: [{ domain: '', version: opset }],
    graph: {
      name: opts.graphName ?? model.constructor.name,
      node: g.nodes,
      initializer: g.initializers,
      input: inputs.map((t, i) => valueInfo(inputNames[i], t.dtype, t.shape)),
      output: outputs,
    },
  });
}
