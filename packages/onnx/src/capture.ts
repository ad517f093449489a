import { type RecordedOp, type Tensor, noGrad, recordOps } from '@tessera/core';
import type { AnyModule } from '@tessera/layers';

/** Receives each recorded op call and the module that issued it (`'layer1.0.conv1 (Conv2d)'`). */
export type CallSink = (call: RecordedOp, module: string) => void;

/**
 * Runs `model.call(...inputs)` once without gradients, in eval mode, reporting every op
 * call at the level the layers made it (a composite op once, not its decomposition), each
 * tagged with the innermost module running at the time. Module tags come from wrapping
 * each submodule's `call` for the duration; the wrappers and the training flags are
 * restored afterwards, whatever happens. Returns what the model returned.
 */
export function capture(model: AnyModule, inputs: readonly Tensor[], sink: CallSink): unknown {
  const stack: string[] = [];
  const wrapped: AnyModule[] = [];
  const modes = model.modules().map((m) => [m, m.training] as const);
  const label = (path: string, m: AnyModule) => `${path === '' ? '(root)' : path} (${m.constructor.name})`;
  try {
    model.eval();
    for (const [path, m] of model.namedModules()) {
      const original = m.call;
      const tag = label(path, m);
      Object.defineProperty(m, 'call', {
        configurable: true,
        writable: true,
        value: (...args: unknown[]) => {
          stack.push(tag);
          try {
            return (original as (...a: unknown[]) => unknown).apply(m, args);
          } finally {
            stack.pop();
          }
        },
      });
      wrapped.push(m);
    }
    const run = () => (model.call as (...a: unknown[]) => unknown)(...inputs);
    return noGrad(() => recordOps((c) => sink(c, stack[stack.length - 1] ?? label('', model)), run));
  } finally {
    for (const m of wrapped) delete (m as unknown as Record<string, unknown>).call;
    for (const [m, t] of modes) m.training = t;
  }
}
