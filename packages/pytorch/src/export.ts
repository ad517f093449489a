import { type Tensor, isTensor } from '@tessera/core';
import { type AnyModule, saveWeightsAsync } from '@tessera/layers';
import { PytorchExportError } from './errors.js';
import { functionalOp } from './functional.js';
import { type TorchLeaf, torchLeaf } from './leaves.js';
import { py, submodule } from './python.js';
import { PYTHON_HELPERS, PYTHON_LOADER } from './template.js';
import { MAX_CONSTANT, type Structure, type Trace, traceModules } from './trace.js';

/** Options of {@link exportPytorch}. */
export interface ExportPytorchOptions {
  /** Name of the generated `nn.Module` class (default `'TesseraModel'`); must be a Python identifier. */
  readonly className?: string;
  /** The weights' file name the generated code's docstring and `load_model` use (default `'model.safetensors'`). */
  readonly weightsFile?: string;
}

/** What {@link exportPytorch} returns: the Python source and the weights to write beside it. */
export interface PytorchExport {
  /** A Python file defining the class, `load_weights(path)` and `load_model(path)`. */
  readonly code: string;
  /** Safetensors weights whose names are the generated module's `state_dict()` keys. */
  readonly weights: Uint8Array;
  /** The generated class's name. */
  readonly className: string;
}

const DTYPES: Readonly<Record<string, string>> = {
  float32: 'torch.float32',
  float64: 'torch.float64',
  int32: 'torch.int32',
  bool: 'torch.bool',
};

/** Writes the forward body, naming every tensor once. */
class ForwardWriter {
  readonly lines: string[] = [];
  readonly #names = new Map<Tensor, string>();
  readonly #state: Map<Tensor, { key: string; parameter: boolean }>;
  readonly #values: Trace['values'];
  #n = 0;

  constructor(model: AnyModule, inputs: readonly Tensor[], values: Trace['values']) {
    this.#values = values;
    const params = new Set(Object.keys(Object.fromEntries(model.namedParameters())));
    this.#state = new Map(Object.entries(model.stateDict()).map(([key, t]) => [t, { key, parameter: params.has(key) }]));
    inputs.forEach((t, i) => this.#names.set(t, `x${i}`));
  }

  /** The expression of a tensor: a name, a parameter or buffer of the module, or a small constant. */
  name(t: Tensor): string {
    const known = this.#names.get(t);
    if (known) return known;
    const s = this.#state.get(t);
    if (s) return s.parameter ? `self.get_parameter(${JSON.stringify(s.key)})` : `self.get_buffer(${JSON.stringify(s.key)})`;
    const values = this.#values.get(t);
    if (!values) throw new PytorchExportError(`exportPytorch: the forward uses a ${t.shape.join('×')} tensor that is neither an input, a ` +
      `parameter, a buffer nor computed by an op, and has more than ${MAX_CONSTANT} elements; make it a buffer of its module.`);
    return `torch.tensor([${values.map(py).join(', ')}], dtype=${DTYPES[t.dtype] ?? 'torch.float32'}, ` +
      `device=x0.device).reshape(${py(t.shape)})`;
  }

  /** A call argument: a tensor, None, or a tuple of them. */
  arg(s: Structure): string {
    if (s === null || s === undefined) return 'None';
    if (isTensor(s)) return this.name(s);
    return `(${s.map((x) => this.arg(x)).join(', ')}${s.length === 1 ? ',' : ''})`;
  }

  /** Assigns an expression to a fresh name and names the tensors of its result by their index paths. */
  assign(expr: string, out: Structure): void {
    const v = `t${this.#n++}`;
    this.lines.push(`${v} = ${expr}`);
    const bind = (s: Structure, e: string): void => {
      if (isTensor(s)) {
        if (!this.#names.has(s)) this.#names.set(s, e);
      } else if (Array.isArray(s)) s.forEach((x, i) => bind(x, `${e}[${i}]`));
    };
    bind(out, v);
  }
}

/**
 * Writes a Tessera model as PyTorch code: a Python file defining an `nn.Module` subclass
 * whose `state_dict()` names are the model's own, plus the model's weights as safetensors,
 * so the model trains under PyTorch (DDP, FSDP) and comes back through safetensors or a
 * `.pth` file. Built-in layers become their `torch.nn` twins (Linear, Conv1d/2d, pools,
 * BatchNorm, LayerNorm, GroupNorm, Dropout, Embedding, RNN/LSTM/GRU, activations), so they
 * keep their training behaviour; the code between them (a residual add, a concat, a
 * reshape) is traced once from `exampleInputs` in eval mode and written as torch
 * functions, with the batch axis kept symbolic. A layer with no PyTorch twin, or an op
 * with no torch counterpart, is a `PytorchExportError` naming it and its path. Control
 * flow in a model's own forward follows the traced run (eval mode, these shapes).
 *
 * @example
 * const { code, weights } = await exportPytorch(resnet('resnet20', { numClasses: 10 }), randn([1, 3, 32, 32]));
 * writeFileSync('model.py', code);
 * writeFileSync('model.safetensors', weights);
 * // python: from model import load_model; net = load_model('model.safetensors')
 */
export async function exportPytorch(
  model: AnyModule,
  exampleInputs: Tensor | readonly Tensor[],
  opts: ExportPytorchOptions = {},
): Promise<PytorchExport> {
  const className = opts.className ?? 'TesseraModel';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(className))
    throw new PytorchExportError(`exportPytorch: className '${className}' is not a Python identifier.`);
  const weightsFile = opts.weightsFile ?? 'model.safetensors';
  const inputs = isTensor(exampleInputs) ? [exampleInputs] : [...(exampleInputs as readonly Tensor[])];
  if (inputs.length === 0) throw new PytorchExportError('exportPytorch: give at least one example input (the forward is traced once).');

  // Every built-in layer (called or not: GoogLeNet's auxiliary heads hold weights too) becomes its twin.
  const leaves = new Map<AnyModule, { path: string; leaf: TorchLeaf }>();
  for (const [path, m] of model.namedModules()) {
    if (path === '' || [...leaves.values()].some((l) => path.startsWith(`${l.path}.`))) continue;
    const leaf = torchLeaf(m, `'${path}' (${m.constructor.name})`);
    if (leaf) leaves.set(m, { path, leaf });
  }
  if (torchLeaf(model, `the model (${model.constructor.name})`)) {
    throw new PytorchExportError(
      `exportPytorch: the model is a single ${model.constructor.name} layer; wrap it in a Sequential (its names then start with '0.').`,
    );
  }

  const trace = traceModules(model, inputs, (m) => leaves.has(m));
  const w = new ForwardWriter(model, inputs, trace.values);
  for (const node of trace.nodes) {
    if (node.kind === 'module') {
      const { path, leaf } = leaves.get(node.module)!;
      w.assign(leaf.call(node.inputs.map((s) => w.arg(s)), submodule(path)), node.output);
    } else {
      w.assign(functionalOp(node.op, node.op.inputs.map((t) => w.name(t)), node.module), node.op.output);
    }
  }
  const ret = w.arg(trace.output);

  // __init__: the twins at their paths, then parameters and buffers that belong to no twin.
  const init: string[] = [];
  const covered: string[] = [];
  for (const { path, leaf } of leaves.values()) {
    if (leaf.ctor === null) continue;
    init.push(`_place(self, ${JSON.stringify(path)}, ${leaf.ctor})`);
    covered.push(`${path}.`);
  }
  const params = new Set(model.namedParameters().map(([k]) => k));
  for (const [key, t] of Object.entries(model.stateDict())) {
    if (covered.some((p) => key.startsWith(p))) continue;
    init.push(
      params.has(key)
        ? `_parameter(self, ${JSON.stringify(key)}, ${py(t.shape)})`
        : `_buffer(self, ${JSON.stringify(key)}, ${py(t.shape)}, ${DTYPES[t.dtype] ?? 'torch.float32'})`,
    );
  }
  const args = inputs.map((_, i) => `x${i}`).join(', ');
  const code = [
    `"""${className}: a ${model.constructor.name} written as PyTorch code by Tessera's exportPytorch.`,
    '',
    `Its state_dict() names are the Tessera model's; its weights are in ${weightsFile} (safetensors).`,
    'Import this file and call:',
    '',
    `    model = load_model(${JSON.stringify(weightsFile)})  # a ${className}, weights loaded strictly`,
    '"""',
    PYTHON_HELPERS,
    '',
    `class ${className}(nn.Module):`,
    '    def __init__(self):',
    '        super().__init__()',
    ...(init.length ? init : ['pass']).map((l) => `        ${l}`),
    '',
    `    def forward(self, ${args}):`,
    ...w.lines.map((l) => `        ${l}`),
    `        return ${ret}`,
    '',
    PYTHON_LOADER,
    '',
    `def load_model(path=${JSON.stringify(weightsFile)}):`,
    `    """A ${className} with the weights of \`path\` (strict: every name must match)."""`,
    `    model = ${className}()`,
    '    model.load_state_dict(load_weights(path))',
    '    return model',
    '',
  ].join('\n');
  return { code, weights: await saveWeightsAsync(model), className };
}
