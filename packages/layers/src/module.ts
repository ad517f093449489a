import { Parameter, type Tensor } from '@tessera/core';
import { Buffer } from './buffer.js';
import { type ModuleConfig, cannotDescribe, recordedConfig } from './config/record.js';
import { runForwardHooks, type ForwardHook } from './hooks.js';
import { SymbolicTensor, symbolicCall } from './symbolic.js';
import { type LoadStateDictOptions, type LoadStateDictResult, type StateDict, loadStateDict, stateDict } from './state.js';
import { type Summary, type SummaryInput, summarize } from './summary.js';

/** What a module's fields may hold that the module tree sees. */
export type Member = Parameter | Module<never, unknown>;

/** Any module, whatever its forward signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any[], unknown>;

/** Fields that are never members (the module's own bookkeeping). */
const OWN_FIELDS = new Set(['training', 'hooks']);

function isModule(v: unknown): v is AnyModule {
  return v instanceof Module;
}

/**
 * Base class of every layer and model (PyTorch's `nn.Module`). Parameters, buffers and
 * sub-modules are discovered from the instance's fields, including arrays and `Map`s of
 * them, and named by their dotted path (`features.0.weight`). Subclasses implement
 * `forward`; callers use `call` (which also runs forward hooks).
 *
 * @typeParam In - the forward arguments, `[Tensor]` by default.
 * @typeParam Out - what forward returns, `Tensor` by default.
 *
 * @example
 * class Net extends Module {
 *   fc1 = new Linear(784, 128);
 *   fc2 = new Linear(128, 10);
 *   forward(x: Tensor) { return this.fc2.call(relu(this.fc1.call(x))); }
 * }
 * const net = new Net();
 * net.namedParameters().map(([n]) => n); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active, batch norm uses batch statistics). Set with `train()`/`eval()`. */
  training = true;
  /** @internal per-module forward hooks */
  hooks: ForwardHook[] = [];

  /** The computation. Call modules through `call`, not `forward`, so hooks run. */
  abstract forward(...args: In): Out;

  /** Runs the module: `forward` plus forward hooks (PyTorch's `module(x)`). */
  call(...args: In): Out {
    const out = this.forward(...args);
    if (this.hooks.length > 0 || runForwardHooks.active()) runForwardHooks(this as unknown as AnyModule, args, out, this.hooks);
    return out;
  }

  /**
   * The key a field gets in parameter names and state dicts. Identity by default; layers
   * that match PyTorch names override it (BatchNorm: `runningMean` → `running_mean`).
   */
  protected fieldKey(field: string): string {
    return field;
  }

  /**
   * Direct members with their local names: parameters, buffers and sub-modules found in
   * fields, arrays (`name.0`) and maps (`name.key`). Override to name members yourself
   * (Sequential names its layers `0`, `1`, …).
   */
  *ownMembers(): Generator<[string, Member]> {
    for (const field of Object.keys(this)) {
      if (OWN_FIELDS.has(field)) continue;
      const v: unknown = (this as Record<string, unknown>)[field];
      const key = this.fieldKey(field);
      if (v instanceof Parameter || isModule(v)) yield [key, v as Member];
      else if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const e: unknown = v[i];
          if (e instanceof Parameter || isModule(e)) yield [`${key}.${i}`, e as Member];
        }
      } else if (v instanceof Map) {
        for (const [k, e] of v as Map<unknown, unknown>) {
          if (e instanceof Parameter || isModule(e)) yield [`${key}.${String(k)}`, e as Member];
        }
      }
    }
  }

  /** Direct sub-modules with their local names. */
  namedChildren(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    for (const [n, m] of this.ownMembers()) if (isModule(m)) out.push([n, m]);
    return out;
  }

  /** Direct sub-modules. */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, each once, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, AnyModule][] {
    const seen = new Set<AnyModule>();
    const out: [string, AnyModule][] = [];
    const walk = (m: AnyModule, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, c] of m.namedChildren()) walk(c, name ? `${name}.${n}` : n);
    };
    walk(this as unknown as AnyModule, prefix);
    return out;
  }

  /** This module and every descendant, each once. */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  private namedTensors(wantBuffers: boolean, prefix: string): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [mname, m] of this.namedModules(prefix)) {
      for (const [n, p] of m.ownMembers()) {
        if (!(p instanceof Parameter) || (p instanceof Buffer) !== wantBuffers || seen.has(p)) continue;
        seen.add(p);
        out.push([mname ? `${mname}.${n}` : n, p]);
      }
    }
    return out;
  }

  /** Every parameter (trainable or frozen, not buffers) with its dotted name, each once. */
  namedParameters(prefix = ''): [string, Parameter][] {
    return this.namedTensors(false, prefix);
  }

  /** Every parameter, each once (shared layers count once). Pass these to an optimizer. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every parameter that currently requires grad (not frozen). */
  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Buffers (state that is saved but not trained: running statistics) with dotted names. */
  namedBuffers(prefix = ''): [string, Buffer][] {
    return this.namedTensors(true, prefix) as [string, Buffer][];
  }

  /** Every buffer. */
  buffers(): Buffer[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of parameter elements (`trainableOnly`: only those that require grad). */
  numParameters(trainableOnly = false): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Sets training mode on this module and all descendants. Returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (dropout off, batch norm uses running statistics). Returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Stops gradients to every parameter (transfer learning: freeze a pretrained trunk). */
  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad = false;
    return this;
  }

  /** Makes every parameter trainable again. */
  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
    return this;
  }

  /**
   * Two uses, told apart by the argument:
   * - `apply(fn)`: calls `fn` on every descendant and then on this module (PyTorch's
   *   order), e.g. to re-initialise weights. Returns this.
   * - `apply(x)` with symbolic tensors from `input()` (Keras' functional API): records
   *   this layer in a graph and returns its symbolic output; with real tensors it is `call`.
   */
  apply(fn: (m: AnyModule) => void): this;
  apply(...inputs: SymbolicTensor[]): SymbolicTensor;
  apply(...inputs: In): Out;
  apply(...args: unknown[]): unknown {
    const first = args[0];
    if (typeof first === 'function') return this.applyFn(first as (m: AnyModule) => void);
    if (first instanceof SymbolicTensor) return symbolicCall(this as unknown as AnyModule, args as SymbolicTensor[]);
    return this.call(...(args as In));
  }

  private applyFn(fn: (m: AnyModule) => void): this {
    const visit = (m: AnyModule, seen: Set<AnyModule>): void => {
      if (seen.has(m)) return;
      seen.add(m);
      for (const c of m.children()) visit(c, seen);
      fn(m);
    };
    visit(this as unknown as AnyModule, new Set());
    return this;
  }

  /** Adds a hook run after every `call` of this module; returns a function that removes it. */
  registerForwardHook(hook: ForwardHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /** Zeroes (drops) the gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * Parameters and buffers by dotted name with PyTorch's names and layouts (live tensors,
   * not copies). Save it with `saveWeights` / `encodeSafetensors` (or `saveSafetensorsFile` from `@tessera/layers/node`).
   */
  stateDict(): StateDict {
    return stateDict(this as unknown as AnyModule);
  }

  /**
   * Loads values by name, in place (optimizers keep working). Strict by default: missing
   * or unexpected keys and wrong shapes throw a `StateDictError` that lists them.
   */
  loadStateDict(dict: Readonly<StateDict>, opts?: LoadStateDictOptions): LoadStateDictResult {
    return loadStateDict(this as unknown as AnyModule, dict, opts);
  }

  /**
   * Runs one forward pass on zeros of the given input shapes (batch included; pass
   * `{ shape, dtype }` for non-float inputs) and returns
   * each layer's output shape and parameter count; `String(summary)` is Keras' table.
   *
   * @example
   * console.log(String(net.summary([1, 1, 28, 28])));
   */
  summary(...inputs: SummaryInput[]): Summary {
    return summarize(this as unknown as AnyModule, inputs);
  }

  /**
   * How to rebuild this module (`moduleFromConfig`, `saveModel`): the registered name and
   * its constructor's arguments, as JSON. Built-in layers, `Sequential` and the zoo's models
   * have one; other modules throw a `ModuleConfigError` naming their class and saying how
   * to register them (`registerModule` + `describeModule`), or override this.
   *
   * @example
   * new Linear(784, 10, { bias: false }).getConfig(); // { type: 'Linear', args: [784, 10, { bias: false }] }
   */
  getConfig(): ModuleConfig {
    const c = recordedConfig(this);
    if (c === undefined) throw cannotDescribe(this.typeName, '');
    return c;
  }

  /** Class name shown by `toString()`. */
  get typeName(): string {
    return this.constructor.name;
  }

  /** The configuration shown inside the parentheses of `toString()` (PyTorch's `extra_repr`). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style tree: `Sequential(\n  (0): Linear(in=784, out=10, bias=true)\n)`. */
  toString(): string {
    const kids = this.namedChildren();
    const extra = this.extraRepr();
    if (kids.length === 0) return `${this.typeName}(${extra})`;
    const lines = kids.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    if (extra) lines.unshift(`  ${extra}`);
    return `${this.typeName}(\n${lines.join('\n')}\n)`;
  }

  /** Frees every parameter and buffer. The module is unusable afterwards. */
  dispose(): void {
    for (const p of [...this.parameters(), ...this.buffers()]) {
      p.grad?.dispose();
      p.grad = null;
      p.dispose();
    }
  }
}

/** Wraps a tensor's values as a parameter and disposes the wrapper (helper for layers). */
export function param(value: Tensor, requiresGrad = true): Parameter {
  const p = new Parameter(value, { requiresGrad });
  value.dispose();
  return p;
}
