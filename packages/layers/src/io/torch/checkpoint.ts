import { DataError, type Tensor, fromArray, getBackend } from '@tessera/core';
import type { AnyModule } from '../../module.js';
import type { LoadStateDictOptions, LoadStateDictResult } from '../../state.js';
import { loadDecoded } from '../weights.js';
import { type PyGlobal, PyDict, PyTuple, type PyValue, type UnpickleHooks, describe, isGlobal, unpickle } from './pickle.js';
import { STORAGE_TYPES, type TorchStorage, type TorchTensorRef, gatherValues } from './storage.js';
import { isZip, readZip } from './zip.js';

/** Options of the PyTorch checkpoint readers. */
export interface TorchReadOptions {
  /** File name for error messages (default 'checkpoint'). */
  readonly file?: string;
  /** Backend to create the tensors on; default: the default backend. */
  readonly backend?: string;
}

/** Options of `loadTorchStateDict`: where the state dict sits in the checkpoint. */
export interface TorchStateDictOptions extends TorchReadOptions {
  /**
   * The top-level key that holds the state dict, for checkpoints that are a dict of
   * several things (`{ model: …, optimizer: …, epoch: 7 }`). Default: the file itself when
   * it is a dict of tensors, else its `state_dict`, `model_state_dict` or `model` entry.
   */
  readonly key?: string;
}

const nums = (v: PyValue, what: string, file: string): number[] => {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || !items.every((x) => typeof x === 'number'))
    throw new DataError(`${file}: a tensor's ${what} is ${describe(v)}, not a tuple of ints.`);
  return items as number[];
};

/** The globals a state-dict checkpoint may name, and nothing else. */
function allowedGlobal(file: string): UnpickleHooks['global'] {
  const rebuildTensor = (args: readonly PyValue[]): TorchTensorRef => {
    const [storage, offset] = args;
    if (typeof storage !== 'object' || storage === null || (storage as { kind?: string }).kind !== 'storage') {
      throw new DataError(`${file}: _rebuild_tensor_v2 got ${describe(storage)} where a storage belongs.`);
    }
    if (typeof offset !== 'number') throw new DataError(`${file}: _rebuild_tensor_v2 got storage offset ${describe(offset)}.`);
    const shape = nums(args[2], 'size', file);
    const stride = nums(args[3], 'stride', file);
    if (shape.length !== stride.length)
      throw new DataError(`${file}: a tensor has size [${shape.join(', ')}] but stride [${stride.join(', ')}].`);
    return { kind: 'tensor', storage: storage as TorchStorage, offset, shape, stride };
  };
  const globals: Record<string, PyGlobal> = {
    'collections.OrderedDict': {
      kind: 'global', module: 'collections', name: 'OrderedDict',
      call: (args) => {
        const d = new PyDict();
        const pairs = args[0];
        if (Array.isArray(pairs)) {
          for (const p of pairs) {
            if (!(p instanceof PyTuple) || p.items.length !== 2 || (typeof p.items[0] !== 'string' && typeof p.items[0] !== 'number')) {
              throw new DataError(`${file}: OrderedDict built from ${describe(p)}, not a (key, value) pair.`);
            }
            d.entries.set(p.items[0] as string | number, p.items[1]);
          }
        }
        return d;
      },
    },
    'torch._utils._rebuild_tensor_v2': { kind: 'global', module: 'torch._utils', name: '_rebuild_tensor_v2', call: rebuildTensor },
    'torch._utils._rebuild_parameter': { kind: 'global', module: 'torch._utils', name: '_rebuild_parameter', call: (args) => args[0] },
  };
  for (const name of Object.keys(STORAGE_TYPES)) globals[`torch.${name}`] = { kind: 'global', module: 'torch', name };
  return (module, name) => globals[`${module}.${name}`];
}

/** A storage from its persistent id: ('storage', type, key, location, numel[, view_metadata]). */
function storageFromPid(pid: PyValue, file: string, storages: Map<string, TorchStorage>): TorchStorage {
  if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage')
    throw new DataError(`${file}: a persistent id is ${describe(pid)}, not a storage reference.`);
  const [, type, key, , numel, view] = pid.items;
  if (!isGlobal(type) || !(type.name in STORAGE_TYPES)) throw new DataError(`${file}: storage of unknown type ${describe(type)}.`);
  if (typeof key !== 'string' || typeof numel !== 'number')
    throw new DataError(`${file}: a storage reference has key ${describe(key)} and size ${describe(numel)}.`);
  if (view !== undefined && view !== null)
    throw new DataError(`${file}: storage '${key}' is a legacy storage view, which is not supported.`);
  let s = storages.get(key);
  if (!s) {
    s = { kind: 'storage', type: type.name, key, numel, bytes: null };
    storages.set(key, s);
  }
  return s;
}

/** The zip container (torch ≥ 1.6): `<root>/data.pkl` with storages in `<root>/data/<key>`. */
function readZipCheckpoint(bytes: Uint8Array, file: string): PyValue {
  const entries = readZip(bytes, file);
  const pkl = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl === undefined) throw new DataError(`${file}: a zip file without '<name>/data.pkl'; not a torch.save checkpoint.`);
  const root = pkl.slice(0, -'data.pkl'.length);
  const storages = new Map<string, TorchStorage>();
  const hooks: UnpickleHooks = {
    file,
    global: allowedGlobal(file),
    persistentLoad: (pid) => {
      const s = storageFromPid(pid, file, storages);
      const entry = entries.get(`${root}data/${s.key}`);
      if (!entry) throw new DataError(`${file}: storage '${s.key}' has no member '${root}data/${s.key}'.`);
      if (entry.data.length < s.numel * STORAGE_TYPES[s.type].bytes) {
        throw new DataError(
          `${file}: storage '${s.key}' holds ${entry.data.length} bytes, fewer than its ${s.numel} ${s.type} elements need.`,
        );
      }
      s.bytes = entry.data;
      return s;
    },
  };
  return unpickle(entries.get(pkl)!.data, hooks).value;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** The legacy format (torch < 1.6 or `_use_new_zipfile_serialization=False`): pickles, then raw storages. */
function readLegacyCheckpoint(bytes: Uint8Array, file: string): PyValue {
  const storages = new Map<string, TorchStorage>();
  const hooks: UnpickleHooks = { file, global: allowedGlobal(file), persistentLoad: (pid) => storageFromPid(pid, file, storages) };
  const plain: UnpickleHooks = {
    file,
    global: () => undefined,
    persistentLoad: () => {
      throw new DataError(`${file}: unexpected persistent id in a legacy header.`);
    },
  };
  const magic = unpickle(bytes, plain);
  if (magic.value !== LEGACY_MAGIC)
    throw new DataError(`${file}: not a PyTorch checkpoint (no zip container, and the legacy magic number is missing).`);
  const protocol = unpickle(bytes, plain, magic.end);
  if (protocol.value !== 1001)
    throw new DataError(`${file}: legacy checkpoint protocol ${String(protocol.value)} is not supported (1001 is).`);
  const sysInfo = unpickle(bytes, plain, protocol.end);
  if (sysInfo.value instanceof PyDict && sysInfo.value.entries.get('little_endian') === false) {
    throw new DataError(`${file}: the checkpoint was written on a big-endian machine, which is not supported.`);
  }
  const main = unpickle(bytes, hooks, sysInfo.end);
  const keys = unpickle(bytes, plain, main.end);
  if (!Array.isArray(keys.value)) throw new DataError(`${file}: the legacy storage list is ${describe(keys.value)}.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value) {
    const s = storages.get(String(key));
    if (!s) throw new DataError(`${file}: the legacy storage list names '${String(key)}', which no tensor uses.`);
    if (at + 8 > bytes.length) throw new DataError(`${file}: storage '${s.key}' is missing (truncated file?).`);
    const numel = Number(view.getBigInt64(at, true));
    const size = numel * STORAGE_TYPES[s.type].bytes;
    if (at + 8 + size > bytes.length) throw new DataError(`${file}: storage '${s.key}' runs past the end of the file (truncated file?).`);
    s.bytes = bytes.subarray(at + 8, at + 8 + size);
    at += 8 + size;
  }
  return main.value;
}

/** Unpickles a checkpoint (zip or legacy) into Python values with tensor references. */
function readPy(bytes: Uint8Array, file: string): PyValue {
  if (isZip(bytes)) return readZipCheckpoint(bytes, file);
  if (bytes[0] === 0x80) return readLegacyCheckpoint(bytes, file);
  throw new DataError(
    `${file}: not a PyTorch checkpoint (neither a zip container nor a legacy pickle; the tar format of torch < 0.4 is not read).`,
  );
}

const isTensorRef = (v: PyValue): v is TorchTensorRef => typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'tensor';

/** A JavaScript value of a checkpoint: dicts become Maps, lists and tuples arrays, tensors Tensors. */
export type TorchCheckpointValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Tensor
  | TorchCheckpointValue[]
  | Map<string | number, TorchCheckpointValue>;

/** Converts tensor references into tensors (all values read first, so a bad one leaks nothing). */
function materialise(v: PyValue, file: string, backend: string | undefined): TorchCheckpointValue {
  const pending: [TorchTensorRef, string][] = [];
  const collect = (x: PyValue, path: string): void => {
    if (isTensorRef(x)) pending.push([x, path]);
    else if (Array.isArray(x)) x.forEach((y, i) => collect(y, `${path}[${i}]`));
    else if (x instanceof PyTuple) x.items.forEach((y, i) => collect(y, `${path}[${i}]`));
    else if (x instanceof PyDict) for (const [k, y] of x.entries) collect(y, path === '' ? String(k) : `${path}.${k}`);
  };
  collect(v, '');
  const arrays = new Map(pending.map(([t, path]) => [t, gatherValues(t, path, file)]));
  const b = backend === undefined ? undefined : getBackend(backend);
  const convert = (x: PyValue): TorchCheckpointValue => {
    if (isTensorRef(x)) {
      const { values, dtype } = arrays.get(x)!;
      return fromArray(values, x.shape, dtype, b);
    }
    if (Array.isArray(x)) return x.map(convert);
    if (x instanceof PyTuple) return x.items.map(convert);
    if (x instanceof PyDict) return new Map([...x.entries].map(([k, y]) => [k, convert(y)]));
    if (isGlobal(x)) throw new DataError(`${file}: the checkpoint holds ${describe(x)} as a value, which is not read.`);
    if (typeof x === 'object' && x !== null && !(x instanceof Uint8Array))
      throw new DataError(`${file}: the checkpoint holds ${describe(x)} as a value.`);
    return x;
  };
  return convert(v);
}

/**
 * Reads a file written by `torch.save` — the zip container of torch ≥ 1.6 or the legacy
 * format — with a restricted unpickler: tensors (float32/64, half and bfloat16 widened to
 * float32, integer types narrowed to int32 with a range check, bool), storages,
 * OrderedDict and plain values (None, bools, numbers, strings, bytes, lists, tuples,
 * dicts). A pickle that names any other global (a class, `os.system`, …) is a
 * `DataError` naming it, and nothing is executed. Dicts come back as Maps, lists and tuples
 * as arrays, integers beyond 2⁵³ as bigints; the tensors are new (the caller disposes them).
 *
 * @example
 * const ckpt = readTorchCheckpoint(bytes, { file: 'run.pth' }) as Map<string, unknown>;
 * ckpt.get('epoch'); // 7
 */
export function readTorchCheckpoint(input: Uint8Array | ArrayBufferLike, opts: TorchReadOptions = {}): TorchCheckpointValue {
  const file = opts.file ?? 'checkpoint';
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  return materialise(readPy(bytes, file), file, opts.backend);
}

const DEFAULT_KEYS = ['state_dict', 'model_state_dict', 'model'];

/** The dict of tensors inside a checkpoint's top-level value. */
function findStateDict(top: PyValue, file: string, key: string | undefined): PyDict {
  if (!(top instanceof PyDict))
    throw new DataError(`${file}: the checkpoint holds ${describe(top)}, not a state dict (a dict of tensors).`);
  const isState = (d: PyValue): d is PyDict => d instanceof PyDict && [...d.entries.values()].some(isTensorRef);
  if (key !== undefined) {
    const d = top.entries.get(key);
    if (!isState(d ?? null)) throw new DataError(`${file}: key '${key}' is ${d === undefined ? 'absent' : describe(d!)}, not a dict of ` +
      `tensors; keys: ${[...top.entries.keys()].join(', ')}.`);
    return d as PyDict;
  }
  if (isState(top) && [...top.entries.values()].every(isTensorRef)) return top;
  const found = DEFAULT_KEYS.find((k) => isState(top.entries.get(k) ?? null));
  if (found !== undefined) return top.entries.get(found) as PyDict;
  throw new DataError(
    `${file}: the checkpoint is a dict of ${[...top.entries.keys()].join(', ')}, not a state dict; pass { key } naming the entry that ` +
      `holds the tensors.`,
  );
}

/**
 * Reads a PyTorch state dict (`torch.save(model.state_dict(), 'model.pth')`, zip or legacy
 * format) as a Map from PyTorch's names to new tensors, which the caller owns. A
 * checkpoint dict that holds the state dict under `state_dict`, `model_state_dict` or
 * `model` (or `opts.key`) works too. Reading is restricted as in `readTorchCheckpoint`: a
 * malicious pickle is rejected with the global it asks for, and nothing runs.
 *
 * @example
 * const dict = loadTorchStateDict(await readFile('resnet.pth'), { file: 'resnet.pth' });
 * net.loadStateDict(Object.fromEntries(dict));
 */
export function loadTorchStateDict(input: Uint8Array | ArrayBufferLike, opts: TorchStateDictOptions = {}): Map<string, Tensor> {
  const file = opts.file ?? 'checkpoint';
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const dict = findStateDict(readPy(bytes, file), file, opts.key);
  const odd = [...dict.entries].filter(([, v]) => !isTensorRef(v)).map(([k, v]) => `${k} (${describe(v)})`);
  if (odd.length > 0) throw new DataError(`${file}: the state dict holds non-tensor entries: ${odd.join(', ')}.`);
  const values = materialise(dict, file, opts.backend) as Map<string, Tensor>;
  return new Map([...values].map(([k, t]) => [String(k), t]));
}

/** Options of `loadTorchWeights`. */
export interface LoadTorchWeightsOptions extends TorchStateDictOptions, LoadStateDictOptions {}

/**
 * Loads a PyTorch `.pt`/`.pth` state dict into a module in place (strict by default, as
 * `loadWeights`), then frees the decoded tensors. The module must use PyTorch's names,
 * as the built-in layers and the zoo do.
 *
 * @example
 * const net = lenet5();
 * loadTorchWeights(net, await readFile('lenet5.pth'), { file: 'lenet5.pth' });
 */
export function loadTorchWeights(
  module: AnyModule,
  input: Uint8Array | ArrayBufferLike,
  opts: LoadTorchWeightsOptions = {},
): LoadStateDictResult {
  const dict = loadTorchStateDict(input, opts);
  return loadDecoded(module, Object.assign(Object.create(null) as Record<string, Tensor>, Object.fromEntries(dict)), opts);
}
