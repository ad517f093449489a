import { type RecordedOp, type Tensor, isTensor, noGrad, recordOps } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';
import { PytorchExportError } from './errors.js';

/** A value passed to or returned by a module: tensors in (possibly nested) arrays. */
export type Structure = Tensor | null | undefined | readonly Structure[];

/** One step of a traced forward pass. */
type TraceNode =
  /** A call of a submodule that has a `torch.nn` twin: it runs as that module. */
  | {
      readonly kind: 'module';
      readonly path: string;
      readonly module: AnyModule;
      readonly inputs: readonly Structure[];
      readonly output: Structure;
    }
  /** An op issued by a module's own forward code (a residual add, a reshape): it runs as a torch function. */
  | { readonly kind: 'op'; readonly op: RecordedOp; readonly module: string };

/** What {@link traceModules} records. */
export interface Trace {
  readonly nodes: readonly TraceNode[];
  readonly output: Structure;
  /**
   * The values of small tensors that nodes read but no earlier node made (constants a
   * forward creates, parameters), read during the run: a forward may dispose them after.
   */
  readonly values: ReadonlyMap<Tensor, readonly (number | boolean)[]>;
}

/** Tensors up to this many elements are read during the trace in case they are constants. */
export const MAX_CONSTANT = 4096;

/** Checks that a call's arguments are tensors in arrays (what Python gets positionally). */
function structure(v: unknown, where: string): Structure {
  if (v === null || v === undefined || isTensor(v)) return v as Structure;
  if (Array.isArray(v)) return v.map((x) => structure(x, where));
  throw new PytorchExportError(`exportPytorch: ${where} takes or returns ${JSON.stringify(v)?.slice(0, 60) ?? typeof v}, which is not a ` +
    `tensor; only tensors (and arrays of them) can be passed in the generated forward.`);
}

/**
 * Runs `model.call(...inputs)` once in eval mode without gradients and records its forward
 * pass at two levels: a call of a submodule that `isLeaf` accepts is one `module` node
 * (nothing inside it is recorded), and every op issued outside such calls is an `op` node.
 * The call wrappers and the training flags are restored afterwards, whatever happens.
 */
export function traceModules(model: AnyModule, inputs: readonly Tensor[], isLeaf: (m: AnyModule, path: string) => boolean): Trace {
  const nodes: TraceNode[] = [];
  const modes = model.modules().map((m) => [m, m.training] as const);
  const wrapped: AnyModule[] = [];
  const stack: string[] = [];
  let inLeaf = 0;
  const made = new Set<Tensor>(inputs);
  const values = new Map<Tensor, readonly (number | boolean)[]>();
  const read = (s: Structure): void => {
    if (isTensor(s)) {
      if (!made.has(s) && !values.has(s) && s.size <= MAX_CONSTANT) values.set(s, Array.from(s.dataSync() as ArrayLike<number | boolean>));
    } else if (Array.isArray(s)) s.forEach(read);
  };
  const mark = (s: Structure): void => {
    if (isTensor(s)) made.add(s);
    else if (Array.isArray(s)) s.forEach(mark);
  };
  try {
    model.eval();
    for (const [path, m] of model.namedModules()) {
      const original = m.call as (...a: unknown[]) => unknown;
      const leaf = path !== '' && isLeaf(m, path);
      Object.defineProperty(m, 'call', {
        configurable: true,
        writable: true,
        value: (...args: unknown[]) => {
          if (inLeaf > 0 || !leaf) {
            stack.push(path);
            try {
              return original.apply(m, args);
            } finally {
              stack.pop();
            }
          }
          const where = `'${path}' (${m.constructor.name})`;
          const ins = args.map((a) => structure(a, where));
          inLeaf++;
          let out: unknown;
          try {
            out = original.apply(m, args);
          } finally {
            inLeaf--;
          }
          ins.forEach(read);
          const output = structure(out, where);
          mark(output);
          nodes.push({ kind: 'module', path, module: m, inputs: ins, output });
          return out;
        },
      });
      wrapped.push(m);
    }
    const output = noGrad(() =>
      recordOps(
        (op) => {
          if (inLeaf > 0) return;
          op.inputs.forEach(read);
          made.add(op.output);
          nodes.push({ kind: 'op', op, module: stack[stack.length - 1] ?? '' });
        },
        () => (model.call as (...a: unknown[]) => unknown)(...inputs),
      ),
    );
    return { nodes, output: structure(output, 'the model'), values };
  } finally {
    for (const m of wrapped) delete (m as unknown as Record<string, unknown>).call;
    for (const [m, t] of modes) m.training = t;
  }
}
