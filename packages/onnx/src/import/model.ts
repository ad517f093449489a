import { Parameter, type Tensor, isTensor } from '@tessera/core';
import { Module, type Member } from '@tessera/layers';
import { decodeModelProto } from '../encode.js';
import type { GraphProto, NodeProto } from '../proto/types.js';
import { OnnxImportError } from './errors.js';
import { IMPORT_OPS } from './ops.js';
import { Attrs, StaticInts, type Value, decodeTensor, floatTensor } from './values.js';

/**
 * An imported ONNX graph as a Tessera module: float initializers are its parameters,
 * under their ONNX names (PyTorch's exporter keeps state-dict names: `fc.weight`), so it
 * trains, saves and loads like any module; `forward` runs the nodes in order with Tessera
 * ops on whatever backend the inputs live on. Integer initializers (shapes, axes) stay
 * constants.
 */
export class OnnxModule extends Module<Tensor[], Tensor | Tensor[]> {
  readonly #params = new Map<string, Parameter>();
  readonly #statics = new Map<string, StaticInts>();
  readonly #graph: GraphProto;
  /** Names of the graph inputs `forward` takes, in order. */
  readonly inputNames: readonly string[];
  /** Names of the graph outputs (`forward` returns one tensor, or an array for several). */
  readonly outputNames: readonly string[];
  /**
   * Shapes the graph declares for its inputs, in `inputNames`' order: a number per fixed
   * dimension, the symbol's name for a dynamic one (`'batch'`), `'?'` for an unnamed one.
   */
  readonly inputShapes: readonly (readonly (number | string)[])[];

  constructor(graph: GraphProto) {
    super();
    this.#graph = graph;
    for (const init of graph.initializer ?? []) {
      const name = init.name ?? '';
      const d = decodeTensor(init, `initializer '${name}'`);
      if (d instanceof StaticInts) this.#statics.set(name, d);
      else {
        const t = floatTensor(d);
        this.#params.set(name, new Parameter(t, { name }));
        t.dispose();
      }
    }
    const inits = new Set((graph.initializer ?? []).map((i) => i.name));
    const inputs = (graph.input ?? []).filter((v) => !inits.has(v.name ?? ''));
    this.inputNames = inputs.map((v) => v.name ?? '');
    this.inputShapes = inputs.map((v) =>
      (v.type?.tensor_type?.shape?.dim ?? []).map((d) =>
        d.dim_value !== undefined && Number(d.dim_value) > 0 ? Number(d.dim_value) : d.dim_param || '?',
      ),
    );
    this.outputNames = (graph.output ?? []).map((v) => v.name ?? '');
  }

  override *ownMembers(): Generator<[string, Member]> {
    yield* this.#params;
  }

  forward(...inputs: Tensor[]): Tensor | Tensor[] {
    if (inputs.length !== this.inputNames.length) {
      throw new OnnxImportError(
        `OnnxModule: the graph takes ${this.inputNames.length} input(s) (${this.inputNames.join(', ')}), got ${inputs.length}.`,
      );
    }
    const values = new Map<string, Value>([...this.#params, ...this.#statics]);
    this.inputNames.forEach((n, i) => values.set(n, inputs[i]));
    for (const node of this.#graph.node ?? []) runNode(node, values);
    const outs = this.outputNames.map((n) => {
      const v = values.get(n);
      if (!v || !isTensor(v)) throw new OnnxImportError(`OnnxModule: graph output '${n}' is ${v ? 'a constant' : 'never computed'}.`);
      return v;
    });
    return outs.length === 1 ? outs[0] : outs;
  }
}

function runNode(node: NodeProto, values: Map<string, Value>): void {
  const where = `node '${node.name ?? ''}' (${node.op_type})`;
  const op = IMPORT_OPS[node.op_type ?? '']!;
  const inputs = (node.input ?? []).map((n) => {
    if (n === '') return undefined;
    const v = values.get(n);
    if (v === undefined) throw new OnnxImportError(`importOnnx: ${where} reads '${n}', which no earlier node or initializer gives.`);
    return v;
  });
  const outs = op({
    inputs,
    attrs: new Attrs(node.attribute, where),
    fail: (why) => {
      throw new OnnxImportError(`importOnnx: ${where}: ${why}.`);
    },
  });
  (node.output ?? []).forEach((n, i) => {
    if (n !== '' && outs[i] !== undefined) values.set(n, outs[i]);
  });
}

/**
 * Reads an ONNX file (as `torch.onnx.export` writes it, or `exportOnnx`) into an
 * {@link OnnxModule} that runs on any backend and can be trained or fine-tuned. Every
 * operator is checked first: unsupported ones are one `OnnxImportError` listing each op
 * type with its node names. Only the default domain is read.
 *
 * @example
 * const net = importOnnx(await readFile('resnet.onnx'));
 * const logits = net.call(x) as Tensor;
 * net.stateDict()['fc.weight']; // PyTorch's names survive the export
 */
export function importOnnx(bytes: Uint8Array): OnnxModule {
  const model = decodeModelProto(bytes);
  const graph = model.graph;
  if (!graph) throw new OnnxImportError('importOnnx: the file has no graph.');
  const missing = new Map<string, string[]>();
  for (const n of graph.node ?? []) {
    const type = n.op_type ?? '';
    if ((n.domain ?? '') !== '' && n.domain !== 'ai.onnx')
      missing.set(`${n.domain}.${type}`, [...(missing.get(`${n.domain}.${type}`) ?? []), n.name ?? '?']);
    else if (!(type in IMPORT_OPS)) missing.set(type, [...(missing.get(type) ?? []), n.name ?? '?']);
  }
  if (missing.size > 0) {
    throw new OnnxImportError(
      `importOnnx: unsupported operator(s): ${[...missing].map(([t, names]) => `${t} (nodes ${names.join(', ')})`).join('; ')}. ` +
        `Supported: ${Object.keys(IMPORT_OPS).sort().join(', ')}.`,
    );
  }
  return new OnnxModule(graph);
}
