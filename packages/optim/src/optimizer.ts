import { DTypeError, getBackend, noGrad, Parameter, tensor, type Tensor, tidy, type DType } from '@tessera/core';
import { ConfigError, NoGradientError } from './errors.js';

/** Options every parameter group has. */
export interface BaseGroupOptions {
  /** Learning rate (≥ 0). */
  lr: number;
  /**
   * Optional `[min, max]`: after the update each parameter of the group is clipped to this
   * range (a projection, e.g. for non-negative weights). `null`/absent: no clipping.
   */
  clipValue?: readonly [number, number] | null;
}

/** A group as the user passes it: its parameters plus any options that override the defaults. */
export type ParamGroupInput<O> = { params: Iterable<Parameter> } & Partial<O>;

/** What optimizer constructors accept: parameters, or groups of parameters with options. */
export type ParamsInput<O> = Iterable<Parameter> | readonly ParamGroupInput<O>[];

/** A resolved group: its parameters and every option. */
export type ParamGroup<O> = { params: Parameter[] } & O;

/** One entry of an optimizer's per-parameter state: numbers (step counts) and tensors. */
export type ParamState = Record<string, number | Tensor>;

/** A tensor in a state dict: plain, JSON-serialisable. */
export interface SerializedTensor {
  readonly shape: number[];
  readonly dtype: DType;
  readonly data: number[];
}

/**
 * `stateDict()`: like PyTorch, parameters are numbered in group order (0, 1, …); `state`
 * maps that index to the parameter's state; `paramGroups` holds every group's options and
 * its parameter indices. Tensors are `{ shape, dtype, data: number[] }`, so the whole dict
 * is JSON-serialisable and exact (float64 numbers carry float32 and float64 values exactly).
 */
export interface OptimizerStateDict {
  readonly state: Record<number, Record<string, number | SerializedTensor>>;
  readonly paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/** @internal */
function isSerializedTensor(v: unknown): v is SerializedTensor {
  return typeof v === 'object' && v !== null && Array.isArray((v as SerializedTensor).shape) && Array.isArray((v as SerializedTensor).data);
}

/** @internal */
function serializeTensor(t: Tensor): SerializedTensor {
  return { shape: [...t.shape], dtype: t.dtype, data: Array.from(t.dataSync() as ArrayLike<number>) };
}

/** True when the tensor's backend can read synchronously (CPU). */
function backendReadsSync(t: Tensor): boolean {
  return getBackend(t.backend).readSync !== undefined;
}

/** @internal */
function deserializeTensor(s: SerializedTensor, backend?: string): Tensor {
  const arr = s.dtype === 'float64' ? new Float64Array(s.data) : s.dtype === 'int32' ? new Int32Array(s.data) : new Float32Array(s.data);
  return tensor(arr, { shape: s.shape, dtype: s.dtype, backend });
}

/** @internal checks a number option */
export function checkNumber(opt: string, v: unknown, cond: (x: number) => boolean, range: string, who: string): void {
  if (typeof v !== 'number' || Number.isNaN(v) || !cond(v)) {
    throw new ConfigError(`${who}: invalid ${opt} ${String(v)}; it must be ${range}.`);
  }
}

/** A state buffer: a tensor with stable identity, updated in place with `assign`, never disposed by a scope. */
function stateBuffer(t: Tensor): Parameter {
  return new Parameter(t, { requiresGrad: false });
}

function sameLayout(a: Tensor, b: Tensor): boolean {
  return a.dtype === b.dtype && a.backend === b.backend && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function paramLabel(p: Parameter, g: number, i: number): string {
  return p.name ? `'${p.name}'` : `group ${g} param ${i}`;
}

/**
 * Base class of every optimizer. Subclasses implement `update()` for one parameter; the
 * base class handles groups, validation, skipping parameters without grad, in-place
 * assignment under `noGrad` + `tidy`, state lifetime, `zeroGrad` and state dicts.
 */
export abstract class Optimizer<O extends BaseGroupOptions = BaseGroupOptions> {
  /** The resolved parameter groups; options (like `lr`) may be changed between steps. */
  readonly paramGroups: ParamGroup<O>[];
  /** The options groups get when they do not set them. */
  readonly defaults: O;
  /** Per-parameter state (created on a parameter's first step). */
  readonly state = new Map<Parameter, ParamState>();

  /** Name used in messages. */
  protected abstract readonly label: string;

  constructor(params: ParamsInput<O>, defaults: O) {
    this.defaults = { ...defaults };
    const list = [...(params as Iterable<Parameter | ParamGroupInput<O>>)];
    const who = new.target.name;
    if (list.length === 0) throw new ConfigError(`${who}: got an empty parameter list.`);
    const groupsIn: ParamGroupInput<O>[] =
      list[0] instanceof Parameter ? [{ params: list as Parameter[] } as unknown as ParamGroupInput<O>] : (list as ParamGroupInput<O>[]);
    const seen = new Set<Parameter>();
    this.paramGroups = groupsIn.map((g, gi) => {
      if (typeof g !== 'object' || g === null || !('params' in g)) {
        throw new ConfigError(`${who}: group ${gi} must be { params, ...options } (or pass a list of Parameters).`);
      }
      const ps = [...g.params];
      ps.forEach((p, i) => {
        if (!(p instanceof Parameter))
          throw new ConfigError(`${who}: group ${gi} item ${i} is not a Parameter; wrap tensors with new Parameter(t).`);
        if (seen.has(p)) throw new ConfigError(`${who}: parameter ${paramLabel(p, gi, i)} appears in more than one group (or twice).`);
        seen.add(p);
      });
      const resolved = { ...this.defaults, ...g, params: ps } as ParamGroup<O>;
      this.validateGroup(resolved, who);
      return resolved;
    });
  }

  /** Checks a group's options (subclasses add theirs); throws ConfigError. */
  protected validateGroup(g: ParamGroup<O>, who: string): void {
    checkNumber('lr', g.lr, (x) => x >= 0 && Number.isFinite(x), 'a finite number ≥ 0', who);
    if (g.clipValue != null) {
      const [lo, hi] = g.clipValue;
      if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
        throw new ConfigError(`${who}: invalid clipValue [${String(lo)}, ${String(hi)}]; it must be [min, max] with min ≤ max.`);
      }
    }
  }

  /**
   * Computes one parameter's new value from its (detached) value `p`, its gradient `g`, its
   * group and its state. Runs inside `noGrad` + `tidy`; store new state tensors with
   * `this.setState` (which keeps them and frees the previous ones).
   */
  protected abstract update(p: Parameter, g: Tensor, group: ParamGroup<O>, state: ParamState): Tensor;

  /**
   * Stores a state tensor. The first value becomes a buffer (a `Parameter` without grad)
   * that later values are assigned into in place, so the state keeps its identity from step
   * to step — what lets `compile` replay a step that updates it.
   */
  protected setState(p: Parameter, state: ParamState, key: string, t: Tensor): Tensor {
    const old = state[key];
    if (old instanceof Parameter && !old.isDisposed && old !== t && sameLayout(old, t)) return old.assign(t);
    const buf = stateBuffer(t === p.grad || t === p ? t.clone() : t);
    state[key] = buf;
    if (old !== undefined && typeof old !== 'number' && old !== t) old.dispose();
    return buf;
  }

  /**
   * Whether `compile` may replay this optimizer's step: every number that changes between
   * steps (learning rate, step counters, bias corrections) reaches its kernels through
   * attribute functions. Optimizers that bake such numbers into constants say false, and
   * `fit` then runs them eagerly.
   */
  get compilable(): boolean {
    return false;
  }

  /**
   * The group options a compiled step bakes in (everything but the learning rate, which
   * compiled steps read at every replay): a changed option gives a new key, so `fit`
   * traces the step again.
   */
  compileKey(): string {
    return JSON.stringify(this.paramGroups.map(({ params: _p, lr: _lr, ...rest }) => rest));
  }

  /**
   * One update of every parameter that has a gradient. Parameters whose `.grad` is null
   * are skipped (as in PyTorch); if no parameter at all has a gradient, throws
   * `NoGradientError` naming them (a forgotten `backward()`).
   */
  step(): void {
    const any = this.paramGroups.some((g) => g.params.some((p) => p.grad !== null));
    if (!any) {
      const names = this.paramGroups.flatMap((g, gi) => g.params.map((p, i) => paramLabel(p, gi, i)));
      const shown = names.length > 8 ? [...names.slice(0, 8), `… ${names.length - 8} more`] : names;
      throw new NoGradientError(
        `${this.label}.step(): no parameter has a gradient (${shown.join(', ')}). Call loss.backward() before step(), and zeroGrad() ` +
          `after it.`,
      );
    }
    noGrad(() =>
      tidy(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            if (g.dtype !== p.dtype) {
              throw new DTypeError(`${this.label}.step(): gradient is ${g.dtype} but the parameter is ${p.dtype}.`);
            }
            let state = this.state.get(p);
            if (!state) {
              state = {};
              this.state.set(p, state);
            }
            let next = this.update(p, g, group, state);
            if (group.clipValue != null) next = next.clip(group.clipValue[0], group.clipValue[1]);
            p.assign(next);
          }
        }
      }),
    );
  }

  /** Disposes every parameter's gradient and sets it to null. */
  zeroGrad(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        p.grad?.dispose();
        p.grad = null;
      }
    }
  }

  /** Current learning rate of each group. */
  getLr(): number[] {
    return this.paramGroups.map((g) => g.lr);
  }

  /**
   * A plain, JSON-serialisable copy of the state and group options (see OptimizerStateDict).
   * Reads tensors synchronously, so it needs a backend that can (CPU); on GPU backends use
   * `await opt.stateDictAsync()`.
   */
  stateDict(): OptimizerStateDict {
    return this.buildStateDict((t) => {
      if (!backendReadsSync(t)) {
        throw new ConfigError(
          `${this.label}.stateDict: backend '${t.backend}' cannot read synchronously; use \`await opt.stateDictAsync()\`.`,
        );
      }
      return serializeTensor(t);
    });
  }

  /** `stateDict()` for any backend: reads the state tensors asynchronously. */
  async stateDictAsync(): Promise<OptimizerStateDict> {
    const pending: Promise<void>[] = [];
    const sd = this.buildStateDict((t) => {
      const out: { shape: number[]; dtype: DType; data: number[] } = { shape: [...t.shape], dtype: t.dtype, data: [] };
      pending.push(t.data().then((d) => void (out.data = Array.from(d as ArrayLike<number>))));
      return out;
    });
    await Promise.all(pending);
    return sd;
  }

  private buildStateDict(serialize: (t: Tensor) => SerializedTensor): OptimizerStateDict {
    const index = new Map<Parameter, number>();
    let n = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...opts } = g;
      const clone: Record<string, unknown> = JSON.parse(JSON.stringify(opts));
      return { ...clone, params: params.map((p) => { index.set(p, n); return n++; }) };
    });
    const state: Record<number, Record<string, number | SerializedTensor>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: Record<string, number | SerializedTensor> = {};
      for (const [k, v] of Object.entries(s)) out[k] = typeof v === 'number' ? v : serialize(v);
      state[i] = out;
    }
    return { state, paramGroups };
  }

  /**
   * Restores `stateDict()` output: group options (lr included) and per-parameter state.
   * The optimizer must have the same group structure (group count and sizes).
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const who = `${this.label}.loadStateDict`;
    if (!sd || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') throw new ConfigError(`${who}: not a state dict.`);
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ConfigError(`${who}: the dict has ${sd.paramGroups.length} groups but the optimizer has ${this.paramGroups.length}.`);
    }
    const byIndex = new Map<number, Parameter>();
    sd.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi];
      if (!Array.isArray(sg.params) || sg.params.length !== g.params.length) {
        throw new ConfigError(`${who}: group ${gi} has ${sg.params?.length} params in the dict but ${g.params.length} here.`);
      }
      sg.params.forEach((idx, i) => byIndex.set(idx, g.params[i]));
    });
    // Validate every state entry before changing anything.
    for (const [k, entry] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(k));
      if (!p) throw new ConfigError(`${who}: state for parameter ${k}, which no group lists.`);
      for (const [key, v] of Object.entries(entry)) {
        if (typeof v !== 'number' && !isSerializedTensor(v))
          throw new ConfigError(`${who}: state '${key}' of parameter ${k} is neither a number nor a tensor.`);
        if (typeof v !== 'number') {
          const n = v.shape.reduce((a, d) => a * d, 1);
          if (n !== v.data.length) {
            throw new ConfigError(`${who}: state '${key}' of parameter ${k} has shape [${v.shape.join(', ')}] but ${v.data.length} ` +
              `values; the dict is corrupt.`);
          }
          if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i])) {
            throw new ConfigError(
              `${who}: state '${key}' of parameter ${k} has shape [${v.shape.join(', ')}] but the parameter is ` +
                `[${p.shape.join(', ')}]; the dict belongs to a different model.`,
            );
          }
        }
      }
    }
    sd.paramGroups.forEach((sg, gi) => {
      const { params: _ignored, ...opts } = sg;
      const g = this.paramGroups[gi];
      const merged = { ...g, ...opts, params: g.params } as ParamGroup<O>;
      this.validateGroup(merged, who);
      Object.assign(g, opts);
    });
    for (const s of this.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    this.state.clear();
    for (const [k, entry] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(k))!;
      const s: ParamState = {};
      for (const [key, v] of Object.entries(entry)) {
        s[key] = typeof v === 'number' ? v : stateBuffer(deserializeTensor(v, p.backend));
      }
      this.state.set(p, s);
    }
  }

  /** Frees every state tensor (the optimizer can still step; state starts over). */
  dispose(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    this.state.clear();
  }
}
