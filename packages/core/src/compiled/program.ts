import type { BackendImpl, DataId, TensorData } from '../backend.js';
import { BYTES_PER_ELEMENT, type DType } from '../dtype.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import type { TraceRecorder } from '../trace.js';
import { fuseElementwise, type SlotCall } from './fuse.js';
import { groupElementwise } from './group.js';
import { mergeBiasGrads } from './bias-grad.js';
import { fuseSiblings } from './siblings.js';
import { fusePrologues } from './prologue.js';
import { groupReductions } from './reduce-group.js';

/**
 * A traced step turned into a replayable program: every kernel call with its inputs named
 * by slot, the slots' sources, when each intermediate dies, and what escapes the step
 * (returned values, in-place state updates, gradients).
 */

/** Where a slot's buffer comes from at replay. */
type SlotSource =
  | { readonly kind: 'arg'; readonly index: number }
  /** Read from the owner's current storage at every replay (parameters, buffers, constants made before). */
  | { readonly kind: 'external'; readonly owner: Tensor; readonly bytes: number }
  /** Uploaded inside the step: the program keeps the traced buffer. */
  | { readonly kind: 'const'; readonly storage: Storage }
  | { readonly kind: 'kernel'; readonly call: number };

/** One kernel call of the program. */
interface ProgramCall {
  readonly name: string;
  /** Returns the output's storage, or one per output for a call with several (`outSlots`). */
  readonly kernel: (ctx: unknown) => DataId | readonly DataId[];
  readonly backend: BackendImpl;
  readonly refresh: (() => unknown) | null;
  readonly inSlots: readonly number[];
  /** Reused context objects: only dataIds and attrs change between replays. */
  readonly inputs: { dataId: DataId; readonly shape: readonly number[]; readonly dtype: DType; readonly size: number }[];
  readonly ctx: {
    backend: BackendImpl;
    inputs: readonly TensorData[];
    attrs: unknown;
    out: { shape: readonly number[]; dtype: DType; size: number };
  };
  readonly outSlot: number;
  /** Every output slot, `[outSlot]` unless the call has several outputs (a grouped update). */
  readonly outSlots: readonly number[];
  /** The kernel returns one storage per output slot (a `MultiOutputKernel`), even for one slot. */
  readonly multi: boolean;
  /** Slots whose last reader is this call (freed after it). */
  readonly frees: readonly number[];
}

/** A value the step hands out: where it lives and the shape it is seen with. */
interface Escape {
  readonly slot: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Elements. */
  readonly size: number;
}

/** A compiled step's program (built once per input signature). */
export interface Program {
  readonly slots: readonly SlotSource[];
  readonly calls: readonly ProgramCall[];
  /** The tensors of the returned value, in `templateOf` order (compile.ts). */
  readonly outputs: readonly Escape[];
  /** Objects whose storage the step replaces (Parameter.assign): their final value. */
  readonly states: readonly { readonly target: Tensor; readonly value: Escape }[];
  /** Gradients the step leaves on leaves (null: the step clears it). */
  readonly grads: readonly { readonly leaf: Tensor; readonly value: Escape | null }[];
  /** The tensors the step reads that were made before it. */
  readonly externalOwners: ReadonlySet<Tensor>;
  /** Outputs and gradients, one per slot: what a device replay hands out as fresh copies. */
  readonly handOuts: readonly Escape[];
  readonly backend: BackendImpl;
}

/** Thrown inside `buildProgram` when a trace cannot be replayed; the message says why. */
export class UntraceableStep extends Error {}

/** Turns a trace into a program; `args` are the step's tensor arguments, `outs` its returned tensors. */
export function buildProgram(rec: TraceRecorder, args: readonly Tensor[], outs: readonly Tensor[], fuse = true): Program {
  try {
    return build(rec, args, outs, fuse);
  } finally {
    // Uploads were held for the trace; constants took their own reference.
    for (const s of rec.uploads) s.release();
  }
}

function build(rec: TraceRecorder, args: readonly Tensor[], outs: readonly Tensor[], fuse: boolean): Program {
  if (rec.problem) throw new UntraceableStep(rec.problem);
  const slots: SlotSource[] = [];
  const slotOf = new Map<Storage, number>();
  const argIndex = new Map<Storage, number>();
  args.forEach((a, i) => {
    if (!argIndex.has(a.storage)) argIndex.set(a.storage, i);
  });
  const created = new Set(rec.created);
  const slotFor = (storage: Storage, handle: Tensor | null): number => {
    const have = slotOf.get(storage);
    if (have !== undefined) return have;
    let src: SlotSource;
    const ai = argIndex.get(storage);
    if (ai !== undefined) src = { kind: 'arg', index: ai };
    else if (rec.uploads.has(storage)) src = { kind: 'const', storage };
    else {
      const owner = rec.owners.get(storage) ?? handle?.origin ?? handle;
      if (!owner || owner.isDisposed || created.has(owner)) {
        throw new UntraceableStep(`it reads a tensor made before the step through a handle (#${handle?.id ?? '?'}) that does not outlive ` +
          `it; read the tensor itself`);
      }
      src = { kind: 'external', owner, bytes: storage.bytes };
    }
    slots.push(src);
    slotOf.set(storage, slots.length - 1);
    return slots.length - 1;
  };
  const backend = rec.calls[0]?.backend ?? args[0]?.storage.backend;
  const traced: SlotCall[] = rec.calls.map((c, k) => {
    if (c.backend !== backend) throw new UntraceableStep(`it runs on two backends ('${backend?.name}' and '${c.backend.name}')`);
    const inSlots = c.inputs.map((i) => slotFor(i.storage, i.handle));
    slots.push({ kind: 'kernel', call: k });
    const outSlot = slots.length - 1;
    slotOf.set(c.output, outSlot);
    const inputs = c.inputs.map((i, j) => {
      const t = i.handle;
      return { dataId: i.storage.dataId, shape: c.shapes?.[j] ?? t.shape, dtype: t.dtype, size: t.size };
    });
    return { c, inSlots, outSlot, inputs, names: [c.def.name] };
  });
  const escape = (t: Tensor): Escape => ({ slot: slotFor(t.storage, t), shape: t.shape, dtype: t.dtype, size: t.size });
  const outputs = outs.map((t) => {
    if (t.requiresGrad)
      throw new UntraceableStep('it returns a tensor that requires grad; return loss.detach() and call backward() inside the step');
    return escape(t);
  });
  const states = [...rec.swapped.keys()].filter((t) => !t.isDisposed).map((target) => ({ target, value: escape(target) }));
  const leaves = new Set<Tensor>(args);
  for (const s of slots) if (s.kind === 'external') leaves.add(s.owner);
  for (const { target } of states) leaves.add(target);
  const grads: { leaf: Tensor; value: Escape | null }[] = [];
  const gradSet = new Set<Tensor>();
  for (const leaf of leaves) {
    const g = leaf.grad;
    if (g === null) grads.push({ leaf, value: null });
    else if (created.has(g)) {
      grads.push({ leaf, value: escape(g) });
      gradSet.add(g);
    }
  }
  const outSet = new Set(outs);
  const kept = rec.created.filter((t) => !t.isDisposed && !outSet.has(t) && !gradSet.has(t));
  if (kept.length > 0) {
    const t = kept[0];
    throw new UntraceableStep(
      `it keeps ${kept.length} tensor(s) made during the step that it does not return (first: #${t.id}, shape [${t.shape.join(', ')}]), ` +
        `e.g. state stored in an object; a replay would not update them. Return them, or update state in place with Parameter.assign`,
    );
  }
  const gradValues = grads.flatMap((g) => (g.value ? [g.value] : []));
  const escaping = new Set<number>([...outputs, ...states.map((s) => s.value), ...gradValues].map((e) => e.slot));
  const handOuts: Escape[] = [];
  for (const e of [...outputs, ...gradValues]) if (!handOuts.some((h) => h.slot === e.slot)) handOuts.push(e);
  const calls = fuse ? fused(traced, escaping, backend) : traced;
  const lastUse: number[] = [];
  calls.forEach(({ inSlots, outSlot, outSlots }, k) => {
    for (const s of inSlots) lastUse[s] = k;
    for (const o of outSlots ?? [outSlot]) {
      lastUse[o] = k;
      slots[o] = { kind: 'kernel', call: k };
    }
  });
  const frees: number[][] = calls.map(() => []);
  lastUse.forEach((k, s) => {
    if (slots[s].kind === 'kernel' && !escaping.has(s)) frees[k].push(s);
  });
  const programCalls: ProgramCall[] = calls.map(({ c, inSlots, outSlot, outSlots, inputs, names }, k) => ({
    name: names.length > 1 ? `fused(${names.join('+')})` : names[0],
    kernel: c.kernel as unknown as ProgramCall['kernel'],
    backend: c.backend,
    refresh: c.refresh,
    inSlots,
    inputs: inputs as ProgramCall['inputs'],
    ctx: { backend: c.backend, inputs: inputs as ProgramCall['inputs'], attrs: c.attrs, out: { ...c.out } },
    outSlot,
    outSlots: outSlots ?? [outSlot],
    multi: outSlots !== undefined,
    frees: frees[k],
  }));
  for (const s of slots) if (s.kind === 'const') s.storage.retain();
  const externalOwners = new Set(slots.flatMap((s) => (s.kind === 'external' ? [s.owner] : [])));
  return { slots, calls: programCalls, outputs, states, grads, externalOwners, handOuts, backend: backend! };
}

/**
 * The compile-time passes in order (docs/expressions.md): vertical fusion and epilogues,
 * prologues, grouped whole-tensor sums, bias gradients inside weight gradients, multi-output
 * members, grouped calls.
 */
function fused(traced: readonly SlotCall[], escaping: ReadonlySet<number>, backend: BackendImpl | undefined): SlotCall[] {
  const vertical = groupReductions(fusePrologues(fuseElementwise(traced, escaping), escaping, backend), escaping, backend);
  return groupElementwise(fuseSiblings(mergeBiasGrads(vertical, backend), escaping, backend), backend);
}

/**
 * Frees, before a replay, the gradients the step replaces without reading them (a step
 * that starts with `zeroGrad()`): eager execution frees them first too, so the old and new
 * gradients are never alive together.
 */
export function dropStaleGrads(p: Program): void {
  for (const { leaf } of p.grads) {
    const g = leaf.grad;
    if (g && !p.externalOwners.has(g)) {
      g.dispose();
      leaf.grad = null;
    }
  }
}

/** Gives back what a program holds (its constants). */
export function releaseProgram(p: Program): void {
  for (const s of p.slots) if (s.kind === 'const') s.storage.release();
}

/** Whether the program's external tensors are still what it was traced with. */
export function programValid(p: Program, args: readonly Tensor[]): boolean {
  for (const s of p.slots) {
    if (s.kind === 'external' && (s.owner.isDisposed || s.owner.storage.bytes !== s.bytes || s.owner.storage.backend !== p.backend))
      return false;
  }
  for (const a of args) if (a.isDisposed || a.storage.backend !== p.backend) return false;
  return true;
}

/**
 * Runs the program's kernels on the current values: no shape inference, no autograd
 * nodes, no scopes; intermediates are freed right after their last reader. Returns the
 * storages of every slot that escapes.
 */
export function replayKernels(p: Program, args: readonly Tensor[]): (Storage | undefined)[] {
  const vals: DataId[] = new Array(p.slots.length);
  const owned: (Storage | undefined)[] = new Array(p.slots.length);
  p.slots.forEach((s, i) => {
    if (s.kind === 'arg') owned[i] = args[s.index].storage;
    else if (s.kind === 'external') owned[i] = s.owner.storage;
    else if (s.kind === 'const') owned[i] = s.storage;
    if (owned[i]) vals[i] = owned[i]!.dataId;
  });
  const b = p.backend;
  for (const c of p.calls) {
    if (c.refresh) c.ctx.attrs = c.refresh();
    for (let j = 0; j < c.inputs.length; j++) c.inputs[j].dataId = vals[c.inSlots[j]];
    storeOutputs(c, vals, c.kernel(c.ctx));
    for (const s of c.frees) b.free(vals[s]);
  }
  return wrapEscapes(p, vals, owned);
}

/** Puts a kernel's result (one storage, or one per output slot) into `vals`. */
export function storeOutputs(c: ProgramCall, vals: DataId[], result: DataId | readonly DataId[]): void {
  if (!c.multi) vals[c.outSlot] = result as DataId;
  else (result as readonly DataId[]).forEach((d, i) => (vals[c.outSlots[i]] = d));
}

/** Storage objects for the escaping slots that kernels produced. */
function wrapEscapes(p: Program, vals: DataId[], owned: (Storage | undefined)[]): (Storage | undefined)[] {
  const wrap = (e: Escape) => {
    if (!owned[e.slot]) owned[e.slot] = new Storage(vals[e.slot], p.backend, e.size * BYTES_PER_ELEMENT[e.dtype]);
  };
  p.outputs.forEach(wrap);
  p.states.forEach((s) => wrap(s.value));
  p.grads.forEach((g) => g.value && wrap(g.value));
  return owned;
}

/** Applies a replay's results: in-place states, gradients; returns the output tensors (tracked by `make`). */
export function applyEscapes(
  p: Program,
  owned: readonly (Storage | undefined)[],
  make: (s: Storage, shape: readonly number[], dtype: DType) => Tensor,
  statesInPlace = false,
): Tensor[] {
  // A device replay already copied new states into their owners' buffers.
  if (!statesInPlace) for (const { target, value } of p.states) target.swapStorage(owned[value.slot]!);
  for (const { leaf, value } of p.grads) {
    const next = value ? new Tensor(owned[value.slot]!, value.shape, value.dtype) : null;
    leaf.grad?.dispose();
    leaf.grad = next;
  }
  return p.outputs.map((o) => make(owned[o.slot]!, o.shape, o.dtype));
}
