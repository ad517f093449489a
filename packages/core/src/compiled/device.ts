import type { DataId, DeviceCopy, DeviceRecording, ReplayIO } from '../backend.js';
import { BYTES_PER_ELEMENT } from '../dtype.js';
import { Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { storeOutputs, type Program } from './program.js';

/**
 * Level 3 of a compiled step (docs/compiled-steps.md): the program's kernels recorded once
 * by the backend (`BackendImpl.record`) and re-issued with copies in and out.
 */
export interface DeviceRun {
  readonly recording: DeviceRecording;
  /** Argument buffers the recording reads (owned by the program). */
  readonly argStorages: readonly Storage[];
  /** Each external slot's storage at recording time (the buffer baked into the recording). */
  readonly externals: ReadonlyMap<number, Storage>;
  /** The same storages, for membership tests. */
  readonly externalBuffers: ReadonlySet<Storage>;
  /** Every slot's dataId during recording. */
  readonly vals: readonly DataId[];
  /** Inputs of each per-replay call as recorded. */
  readonly rerunInputs: ReadonlyMap<number, readonly DataId[]>;
  /** The attributes each per-replay call's recorded work holds now (skipped while they stay equal). */
  readonly liveAttrs: Map<number, unknown>;
}

/**
 * Records the program on its backend, or returns null when the backend cannot (no
 * `record`/`alloc`, or a kernel did work that cannot be recorded).
 */
export function recordProgram(p: Program, args: readonly Tensor[]): DeviceRun | null {
  const b = p.backend;
  if (!b.record || !b.alloc) return null;
  const argStorages = args.map((a) => new Storage(b.alloc!(a.dtype, a.size), b, a.storage.bytes).retain());
  const vals: DataId[] = new Array(p.slots.length);
  const externals = new Map<number, Storage>();
  p.slots.forEach((s, i) => {
    if (s.kind === 'arg') vals[i] = argStorages[s.index].dataId;
    else if (s.kind === 'external') {
      externals.set(i, s.owner.storage.retain());
      vals[i] = s.owner.storage.dataId;
    } else if (s.kind === 'const') vals[i] = s.storage.dataId;
  });
  const rerunInputs = new Map<number, DataId[]>();
  const liveAttrs = new Map<number, unknown>();
  let recording: DeviceRecording | null = null;
  try {
    recording = b.record((beginCall) => {
      p.calls.forEach((c, k) => {
        beginCall(k);
        for (let j = 0; j < c.inputs.length; j++) c.inputs[j].dataId = vals[c.inSlots[j]];
        if (c.refresh) {
          rerunInputs.set(k, c.inputs.map((i) => i.dataId));
          liveAttrs.set(k, c.ctx.attrs);
        }
        storeOutputs(c, vals, c.kernel(c.ctx));
        for (const s of c.frees) b.free(vals[s]);
      });
    });
  } finally {
    if (!recording) {
      for (const s of argStorages) s.release();
      for (const s of externals.values()) s.release();
    }
  }
  return recording
    ? { recording, argStorages, externals, externalBuffers: new Set(externals.values()), vals, rerunInputs, liveAttrs }
    : null;
}

/** Gives back what a device run holds. */
export function releaseDeviceRun(d: DeviceRun): void {
  d.recording.dispose();
  for (const s of d.argStorages) s.release();
  for (const s of d.externals.values()) s.release();
}

/**
 * Whether the recording may replay now: its external buffers are still the owners'
 * storages, and every state it updates in place is held by its owner alone.
 */
export function deviceRunValid(p: Program, d: DeviceRun): boolean {
  for (const [i, st] of d.externals) {
    const s = p.slots[i];
    if (s.kind !== 'external') continue;
    const now = s.owner.storage;
    // An owner given a new value since (a metric reset, loadStateDict) moves back into the
    // recorded buffer when nobody else holds that buffer (see `rehome`).
    if (now !== st && !(st.refs === 1 && now.bytes === st.bytes && now.backend === st.backend)) return false;
  }
  for (const { target } of p.states) {
    // The owner's reference (and the program's, for a state it reads): anyone else holding
    // the buffer would see the in-place copy.
    const read = d.externalBuffers.has(target.storage);
    if (target.storage.refs > (read ? 2 : 1)) return false;
  }
  return true;
}

/** One device replay: copies arguments in, re-issues the work, copies state back, hands out results. */
export function replayDevice(p: Program, d: DeviceRun, args: readonly Tensor[]): (Storage | undefined)[] {
  const held: Storage[] = [];
  try {
    return replayWith(p, d, args, rehome(p, d, held));
  } finally {
    for (const s of held) s.release();
  }
}

/**
 * Owners whose storage changed since recording get their value copied into the recorded
 * buffer and point at it again, so the recording stays valid. Their new storages are held
 * until the replay is issued (the copies read them).
 */
function rehome(p: Program, d: DeviceRun, held: Storage[]): DeviceCopy[] {
  const copies: DeviceCopy[] = [];
  for (const [i, st] of d.externals) {
    const s = p.slots[i];
    if (s.kind !== 'external' || s.owner.storage === st) continue;
    const now = s.owner.storage;
    copies.push({ src: now.dataId, dst: st.dataId, bytes: st.bytes });
    held.push(now.retain());
    s.owner.swapStorage(st);
  }
  return copies;
}

function replayWith(p: Program, d: DeviceRun, args: readonly Tensor[], moved: DeviceCopy[]): (Storage | undefined)[] {
  const before: DeviceCopy[] = [
    ...moved,
    ...args.map((a, i) => ({ src: a.storage.dataId, dst: d.argStorages[i].dataId, bytes: a.storage.bytes })),
  ];
  const after: DeviceCopy[] = [];
  for (const { target, value } of p.states) {
    const src = d.vals[value.slot];
    if (src !== target.storage.dataId) after.push({ src, dst: target.storage.dataId, bytes: target.storage.bytes });
  }
  const handOut = p.handOuts.map((e) => ({ src: d.vals[e.slot], dtype: e.dtype, size: e.size }));
  // Every attribute function runs (in call order: they may advance counters or draw keys),
  // but only calls whose attributes changed are run again to patch the recording.
  const rerun: { call: number; run: () => unknown }[] = [];
  for (const k of d.rerunInputs.keys()) {
    const c = p.calls[k];
    const attrs = c.refresh!();
    if (sameAttrs(attrs, d.liveAttrs.get(k))) continue;
    d.liveAttrs.set(k, attrs);
    const ins = d.rerunInputs.get(k)!;
    rerun.push({
      call: k,
      run: () => {
        c.ctx.attrs = attrs;
        for (let j = 0; j < ins.length; j++) (c.ctx.inputs[j] as { dataId: DataId }).dataId = ins[j];
        return c.kernel(c.ctx);
      },
    });
  }
  const io: ReplayIO = { before, after, handOut, rerun };
  const fresh = d.recording.replay(io);
  // Hand-outs become the escaping slots' storages; states keep their (updated) buffers.
  const owned: (Storage | undefined)[] = new Array(p.slots.length);
  p.handOuts.forEach((e, i) => {
    owned[e.slot] = new Storage(fresh[i], p.backend, e.size * BYTES_PER_ELEMENT[e.dtype]);
  });
  return owned;
}

/** Shallow equality of two attribute objects (numbers, strings, booleans, arrays of them). */
function sameAttrs(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
  }
  return true;
}
