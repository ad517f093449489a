import { DTypeError, ShapeError, type Tensor, fmtShape, isTensor } from '@tessera/core';
import { type AnyModule, type Member, Module } from '../module.js';
import { SymbolicTensor } from '../symbolic.js';
import { type Summary, type SummaryInput, summarize } from '../summary.js';
import { GraphError } from './errors.js';
import { type GraphCall, describeInput, planGraph } from './plan.js';

/** Options of `model()`. */
export interface ModelOptions<O extends SymbolicTensor | readonly SymbolicTensor[]> {
  /** The model's inputs, made by `input()`; forward takes tensors in this order. */
  readonly inputs: SymbolicTensor | readonly SymbolicTensor[];
  /** What forward returns: one symbolic tensor (forward returns a Tensor) or an array (forward returns an array). */
  readonly outputs: O;
  /** Name shown in messages and `toString()`. */
  readonly name?: string;
}

const fmtSym = (s: SymbolicTensor): string => `[${s.shape.map((d, i) => (i === 0 ? 'batch' : d === null ? '*' : d)).join(', ')}]`;

/**
 * A model built with the functional API (Keras' functional `Model`): the graph of layer
 * calls recorded by `layer.apply(symbolic)` from `input()`s to the outputs, run in
 * topological order on real tensors. Several inputs and outputs are fine; a layer applied
 * more than once shares its weights and is listed (and counted) once.
 *
 * Children are the graph's layers in first-use order (the order they were first applied),
 * named by that index: `'0'`, `'1'`, … as in `Sequential`, so weights are `0.weight`,
 * `2.bias`, … — stable for a given way of building the graph. `parameters()`,
 * `stateDict()`, `summary()`, `train()`/`eval()` and `toString()` work as for any module.
 *
 * Build one with `model()`.
 */
export class GraphModel<Out extends Tensor | Tensor[] = Tensor | Tensor[]> extends Module<Tensor[], Out> {
  /** The symbolic inputs, in call order. */
  readonly inputs: readonly SymbolicTensor[];
  /** The symbolic outputs. */
  readonly outputs: readonly SymbolicTensor[];
  /** The name given to `model()`, or null. */
  readonly name: string | null;
  readonly #calls: readonly GraphCall[];
  readonly #layers: readonly AnyModule[];
  readonly #many: boolean;

  constructor(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], many: boolean, name: string | null = null) {
    super();
    this.name = name;
    const who = this.who(name);
    if (inputs.length === 0) throw new GraphError(`${who}: needs at least one input (from input()).`);
    if (outputs.length === 0) throw new GraphError(`${who}: needs at least one output.`);
    inputs.forEach((s, i) => {
      if (!(s instanceof SymbolicTensor))
        throw new GraphError(`${who}: inputs[${i}] is not a symbolic tensor; make inputs with input({ shape }).`);
      if (s.node !== null) {
        throw new GraphError(
          `${who}: inputs[${i}] was produced by ${s.node.layer.typeName}, not by input(); a model's inputs must come from input({ shape ` +
            `}).`,
        );
      }
      if (inputs.indexOf(s) !== i) throw new GraphError(`${who}: input ${describeInput(s, i)} is listed twice.`);
    });
    outputs.forEach((s, i) => {
      if (!(s instanceof SymbolicTensor))
        throw new GraphError(`${who}: outputs[${i}] is not a symbolic tensor (got ${String(s)}); outputs come from layer.apply(...).`);
    });
    this.inputs = [...inputs];
    this.outputs = [...outputs];
    this.#many = many;
    this.#calls = planGraph(this.inputs, this.outputs, who);
    this.#layers = [...new Set(this.#calls.map((c) => c.layer))];
  }

  private who(name = this.name): string {
    return name ? `GraphModel '${name}'` : 'GraphModel';
  }

  /** The layers in first-use order (child `i` is named `String(i)`). */
  get layers(): readonly AnyModule[] {
    return this.#layers;
  }

  override *ownMembers(): Generator<[string, Member]> {
    for (let i = 0; i < this.#layers.length; i++) yield [String(i), this.#layers[i] as Member];
  }

  /**
   * `Module.summary`, with the declared input shapes (batch 1, variable axes 1) when none
   * are given; plain shapes take each input's declared dtype.
   */
  override summary(...inputs: SummaryInput[]): Summary {
    const given = inputs.length > 0 ? inputs : this.inputs.map((s) => s.shape.map((d) => d ?? 1));
    return summarize(
      this as unknown as AnyModule,
      given.map((g, i) => (Array.isArray(g) && this.inputs[i] ? { shape: g as readonly number[], dtype: this.inputs[i].dtype } : g)),
    );
  }

  override extraRepr(): string {
    const ins = this.inputs.map((s, i) => `${s.name ?? i}: ${fmtSym(s)}`).join(', ');
    return `${this.name ? `name=${this.name}, ` : ''}inputs=(${ins}), outputs=${this.outputs.length}`;
  }

  private check(xs: readonly unknown[]): asserts xs is Tensor[] {
    const who = this.who();
    if (xs.length !== this.inputs.length) {
      const want = this.inputs.map((s, i) => `${describeInput(s, i)} ${fmtSym(s)}`).join(', ');
      throw new GraphError(
        `${who}: expected ${this.inputs.length} input${this.inputs.length === 1 ? '' : 's'} (${want}) but got ${xs.length}.`,
      );
    }
    this.inputs.forEach((s, i) => {
      const x = xs[i];
      const name = `input ${describeInput(s, i)}`;
      if (!isTensor(x))
        throw new GraphError(
          `${who}: ${name} must be a tensor but got ${Array.isArray(x) ? 'an array' : String(x)}; pass inputs as separate arguments.`,
        );
      const t = x as Tensor;
      const fits = t.rank === s.rank && s.shape.every((d, k) => d === null || d === t.shape[k]);
      if (!fits) {
        throw new ShapeError(`${who}: ${name} expects shape ${fmtSym(s)} but got ${fmtShape(t.shape)}. Pass a tensor shaped [batch, ` +
          `${s.shape.slice(1).map((d) => d ?? '*').join(', ')}].`);
      }
      if (t.dtype !== s.dtype)
        throw new DTypeError(`${who}: ${name} expects ${s.dtype} but got ${t.dtype}; cast it with .cast('${s.dtype}').`);
    });
  }

  /**
   * Runs the graph: one tensor per input, in the order of `inputs`. Returns one tensor, or
   * an array when the model was built with an array of outputs. Intermediate tensors are
   * left to the caller's `tidy`, as in any module.
   */
  forward(...xs: Tensor[]): Out {
    this.check(xs);
    const values = new Map<SymbolicTensor, Tensor>();
    this.inputs.forEach((s, i) => values.set(s, xs[i]));
    for (const c of this.#calls) {
      const out: unknown = c.layer.call(...c.inputs.map((s) => values.get(s)!));
      for (const { index, sym } of c.outputs) {
        const t: unknown = Array.isArray(out) ? out[index] : index === 0 ? out : undefined;
        if (!isTensor(t)) {
          throw new GraphError(
            `${this.who()}: ${c.layer.typeName} returned no tensor for its output ${index} (it did when the graph was built).`,
          );
        }
        values.set(sym, t as Tensor);
      }
    }
    const outs = this.outputs.map((s) => values.get(s)!);
    return (this.#many ? outs : outs[0]) as Out;
  }
}

/**
 * Builds a `GraphModel` from symbolic inputs and outputs (Keras' `Model(inputs, outputs)`).
 * With `outputs` a single symbolic tensor, forward returns a Tensor; with an array, an
 * array. Throws a `GraphError` when an output does not depend only on the given inputs.
 *
 * @example
 * const a = input({ shape: [3], name: 'a' });
 * const b = input({ shape: [3], name: 'b' });
 * const shared = new Linear(3, 4);                      // applied twice: one set of weights
 * const sum = new Add().apply(shared.apply(a), shared.apply(b));
 * const net = model({ inputs: [a, b], outputs: [new Linear(4, 2).apply(sum), sum] });
 * const [y, s] = net.call(xa, xb);
 */
export function model(opts: ModelOptions<SymbolicTensor>): GraphModel<Tensor>;
export function model(opts: ModelOptions<readonly SymbolicTensor[]>): GraphModel<Tensor[]>;
export function model(opts: ModelOptions<SymbolicTensor | readonly SymbolicTensor[]>): GraphModel<Tensor> | GraphModel<Tensor[]> {
  const inputs = Array.isArray(opts.inputs) ? (opts.inputs as readonly SymbolicTensor[]) : [opts.inputs as SymbolicTensor];
  const many = Array.isArray(opts.outputs);
  const outputs = many ? (opts.outputs as readonly SymbolicTensor[]) : [opts.outputs as SymbolicTensor];
  const name = opts.name ?? null;
  return many ? new GraphModel<Tensor[]>(inputs, outputs, true, name) : new GraphModel<Tensor>(inputs, outputs, false, name);
}
