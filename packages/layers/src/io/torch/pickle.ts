import { DataError } from '@tessera/core';

/** A Python tuple (kept apart from lists, which are plain arrays). */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** A Python dict or OrderedDict: string or number keys, in insertion order. */
export class PyDict {
  readonly entries = new Map<string | number, PyValue>();
  /** Instance attributes set by BUILD (a state dict's `_metadata`); never read here. */
  attrs: PyValue = null;
}

/**
 * A global the pickle named and the reader allows: `call` builds the value (a tensor, an
 * OrderedDict), or it is absent for globals that are only referred to (storage types).
 */
export interface PyGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
  readonly call?: (args: readonly PyValue[]) => PyValue;
}

/** What the restricted unpickler produces. `object` covers values built by allowed globals. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | { readonly kind: string };

/** How an unpickling resolves what the pickle refers to outside itself. */
export interface UnpickleHooks {
  /** The allowed global `module.name`, or undefined to refuse it. */
  global(module: string, name: string): PyGlobal | undefined;
  /** The value of a persistent id (PyTorch's storages). */
  persistentLoad(pid: PyValue): PyValue;
  /** File name for error messages. */
  readonly file: string;
}

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

/**
 * A restricted unpickler for what `torch.save` writes (pickle protocol 2, plus the few
 * protocol 3–5 opcodes newer writers may use): it builds plain values (None, bools, ints,
 * floats, strings, bytes, lists, tuples, dicts) and calls only the globals `hooks` allows.
 * Any other global — `os.system`, `builtins.eval`, a user class — is a `DataError` that names
 * it, raised when the pickle names it, before anything is called: nothing is executed.
 * Reads one pickle starting at `start`; returns its value and the offset after STOP.
 */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks, start = 0): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  const stack: Slot[] = [];
  const memo = new Map<number, PyValue>();
  let pos = start;
  const fail = (why: string): never => {
    throw new DataError(`${hooks.file}: cannot read the pickle: ${why} (at byte ${pos}).`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail('it ends early (truncated file?)');
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    pos += 8;
    const v = view.getBigUint64(pos - 8, true);
    if (v > BigInt(bytes.length)) fail(`a length of ${v} bytes exceeds the file`);
    return Number(v);
  };
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('a text argument has no end of line');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('the stack is empty where a value was expected');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('the stack is empty where a value was expected');
    return v;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK before a tuple, list or dict');
    const items = stack.splice(at) as PyValue[];
    items.shift();
    return items;
  };
  const key = (k: PyValue): string | number => {
    if (typeof k === 'string' || typeof k === 'number') return k;
    if (typeof k === 'bigint') return Number(k);
    return fail(`a dict key of type ${describe(k)} (only strings and numbers are read)`);
  };
  const setItems = (d: PyValue, kv: PyValue[]) => {
    if (!(d instanceof PyDict)) fail(`SETITEM(S) on ${describe(d)}, not a dict`);
    for (let i = 0; i + 1 < kv.length; i += 2) (d as PyDict).entries.set(key(kv[i]), kv[i + 1]);
  };
  const resolve = (module: string, name: string): PyGlobal => {
    const g = hooks.global(module, name);
    if (!g) {
      throw new DataError(
        `${hooks.file}: the pickle asks for the global '${module}.${name}', which a checkpoint reader does not allow ` +
          `(only tensors, storages, OrderedDict and plain values are read; nothing was executed). ` +
          `If you trust the file, convert it to safetensors in Python.`,
      );
    }
    return g;
  };
  const long = (n: number): number | bigint => {
    const b = take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME (protocol 4): frames are just contiguous bytes here
      case 0x2e: return { value: pop(), end: pos }; // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: stack.push(long(u8())); break; // LONG1
      case 0x8b: stack.push(long(u32())); break; // LONG4
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x58: stack.push(text.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(text.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text.decode(take(u64()))); break; // BINUNICODE8
      case 0x54: stack.push(latin1.decode(take(u32()))); break; // BINSTRING
      case 0x55: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push(new PyTuple([pop(), b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push(new PyTuple([pop(), b, c])); break; } // TUPLE3
      case 0x74: stack.push(new PyTuple(popMark())); break; // TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail('APPEND to a non-list');
        (l as PyValue[]).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const vs = popMark();
        const l = top();
        if (!Array.isArray(l)) fail('APPENDS to a non-list');
        (l as PyValue[]).push(...vs);
        break;
      }
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { const d = new PyDict(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const i = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(i)) fail(`memo entry ${i} was never stored`);
        stack.push(memo.get(i)!);
        break;
      }
      case 0x63: { const module = line(); stack.push(resolve(module, line())); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); stack.push(resolve(String(module), String(name))); break; } // STACK_GLOBAL
      case 0x51: stack.push(hooks.persistentLoad(pop())); break; // BINPERSID
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        if (!isGlobal(fn) || !fn.call) return fail(`REDUCE calls ${describe(fn)}, which is not a callable the reader allows`);
        if (!(args instanceof PyTuple)) return fail(`REDUCE arguments are ${describe(args)}, not a tuple`);
        stack.push(fn.call(args.items));
        break;
      }
      case 0x62: { // BUILD: only a dict's attributes (OrderedDict's _metadata)
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict)) return fail(`BUILD on ${describe(obj)}; only dicts are rebuilt`);
        obj.attrs = state;
        break;
      }
      default:
        return fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not one torch.save writes (NEWOBJ, INST, OBJ and EXT are never read)`);
    }
  }
}

/** Whether `v` is a global reference. */
export function isGlobal(v: PyValue): v is PyGlobal {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && (v as { kind?: string }).kind === 'global'
  );
}

/** A short description of a value's Python type, for error messages. */
export function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof PyTuple) return 'a tuple';
  if (v instanceof PyDict) return 'a dict';
  if (v instanceof Uint8Array) return 'bytes';
  if (isGlobal(v)) return `the global '${v.module}.${v.name}'`;
  if (typeof v === 'object') return `a ${v.kind}`;
  return `a ${typeof v}`;
}
