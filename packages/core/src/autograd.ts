import { DTypeError, ShapeError, fmtShape } from './errors.js';
import { withGradMode } from './grad-mode.js';
import type { Node } from './node.js';
import type { Tensor } from './tensor.js';

/** Options of `backward()` and `gradients()`. */
export interface BackwardOptions {
  /** Keep the graph's saved values so backward can run again through it. */
  readonly retainGraph?: boolean;
  /** Record the gradient computation itself, for higher-order gradients. */
  readonly createGraph?: boolean;
}

// Set by index.ts wiring to avoid an import cycle with the op modules.
interface AutogradDeps {
  onesLike(t: Tensor): Tensor;
  zerosLike(t: Tensor): Tensor;
  add(a: Tensor, b: Tensor): Tensor;
  share(t: Tensor): Tensor;
  tidy<T>(fn: () => T): T;
  keep<T extends Tensor>(t: T): T;
}
let deps: AutogradDeps | null = null;

/** @internal */
export function setAutogradDeps(d: AutogradDeps): void {
  deps = d;
}

function d(): AutogradDeps {
  if (!deps) throw new Error('autograd used before core finished loading');
  return deps;
}

/** Nodes reachable from the roots, in reverse topological order (outputs first). */
function reverseTopo(roots: readonly Tensor[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  // Iterative DFS: deep graphs (long RNN unrolls) must not overflow the stack.
  for (const r of roots) {
    if (!r.node || seen.has(r.node)) continue;
    const stack: { node: Node; next: number }[] = [{ node: r.node, next: 0 }];
    seen.add(r.node);
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const child = top.node.inputs[top.next++].node;
        if (child && !seen.has(child)) {
          seen.add(child);
          stack.push({ node: child, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order.reverse();
}

function checkGrad(op: string, i: number, g: Tensor, input: Tensor): void {
  if (g.dtype !== input.dtype) {
    throw new DTypeError(
      `backward of '${op}': gradient for input ${i} is ${g.dtype} but the input is ${input.dtype}. ` +
        `The op's grad function must return gradients of the input's dtype.`,
    );
  }
  if (g.shape.length !== input.shape.length || g.shape.some((s, k) => s !== input.shape[k])) {
    throw new ShapeError(
      `backward of '${op}': gradient for input ${i} has shape ${fmtShape(g.shape)} but the input has ` +
        `shape ${fmtShape(input.shape)}. The op's grad function must reduce broadcast axes.`,
    );
  }
}

/**
 * Core of reverse mode: propagates `seeds` from `roots` and returns the accumulated
 * gradient of every value id that `wanted` accepts (leaves or chosen targets).
 */
function propagate(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  wanted: (t: Tensor) => boolean,
  prune: ((n: Node) => boolean) | null,
  opts: BackwardOptions,
): Map<number, { value: Tensor; handle: Tensor }> {
  const { add, share } = d();
  const grads = new Map<number, Tensor>();
  // First handle seen for each wanted value id (a leaf's handle leads back to the leaf).
  const wantedHandles = new Map<number, Tensor>();
  const accumulate = (t: Tensor, g: Tensor) => {
    const prev = grads.get(t.id);
    grads.set(t.id, prev ? add(prev, g) : g);
    if (wanted(t) && !wantedHandles.has(t.id)) wantedHandles.set(t.id, t);
  };
  roots.forEach((r, i) => accumulate(r, share(seeds[i])));
  const order = reverseTopo(roots);
  for (const node of order) {
    if (node.freed) {
      throw new ShapeError(
        `backward through '${node.op.name}': its saved values were already freed by an earlier ` +
          `backward(). Pass { retainGraph: true } to the first backward() to run it twice.`,
      );
    }
    const dy = grads.get(node.output.id);
    if (!dy || (prune && !prune(node))) continue;
    const needsGrad = node.inputs.map((t) => t.requiresGrad && (!prune || wanted(t) || (t.node !== null && prune(t.node))));
    const op = node.op as unknown as { name: string; grad(dy: Tensor, ctx: unknown): readonly (Tensor | null)[] };
    const inGrads = withGradMode(!!opts.createGraph, () =>
      op.grad(dy, { inputs: node.inputs, output: node.output, attrs: node.attrs, needsGrad }),
    );
    node.inputs.forEach((input, i) => {
      const g = inGrads[i];
      if (!g || !needsGrad[i]) return;
      checkGrad(op.name, i, g, input);
      accumulate(input, share(g));
    });
  }
  // Freed only now: freeing a node releases its saved inputs, which could drop the last
  // reference to an upstream node that is still to be visited.
  if (!opts.retainGraph) for (const node of order) node.free();
  const results = new Map<number, { value: Tensor; handle: Tensor }>();
  for (const [id, handle] of wantedHandles) results.set(id, { value: grads.get(id)!, handle });
  return results;
}

/**
 * `t.backward()`: accumulates d(t)/d(leaf) into `leaf.grad` for every leaf that requires
 * grad. `gradient` is the output gradient (required unless t has one element).
 */
export function backward(root: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  root.assertAlive('backward');
  if (!root.requiresGrad) {
    throw new ShapeError(
      'backward: this tensor does not require grad (no input of the ops that made it had ' +
        'requiresGrad). Create parameters with requiresGrad, or check noGrad() is not active.',
    );
  }
  if (!gradient && root.size !== 1) {
    throw new ShapeError(
      `backward: the output has shape ${fmtShape(root.shape)}; only one-element outputs get an implicit ` +
        `gradient of 1. Pass the output gradient: y.backward(dy), or reduce first (y.sum()).`,
    );
  }
  const { tidy, onesLike, keep } = d();
  tidy(() => {
    const seed = gradient ?? onesLike(root);
    const res = propagate([root], [seed], (t) => t.node === null && t.requiresGrad, null, opts);
    for (const { value, handle } of res.values()) {
      const leaf = handle.origin ?? handle;
      if (leaf.isDisposed) continue;
      const next = leaf.grad ? d().add(leaf.grad, value) : value;
      const kept = keep(d().share(next));
      leaf.grad?.dispose();
      leaf.grad = kept;
    }
  });
}

/**
 * Gradients of `outputs` (weighted by `gradOutputs`, default ones) with respect to
 * `inputs`, PyTorch's `torch.autograd.grad`. Inputs that do not affect the outputs get
 * zeros. Does not touch `.grad`.
 */
export function gradients(
  outputs: Tensor | readonly Tensor[],
  inputs: readonly Tensor[],
  gradOutputs?: readonly Tensor[],
  opts: BackwardOptions = {},
): Tensor[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const { tidy, onesLike, zerosLike, share } = d();
  return tidy(() => {
    const targetIds = new Set(inputs.map((t) => t.id));
    const reaches = new Map<Node, boolean>();
    const prune = (n: Node): boolean => {
      const known = reaches.get(n);
      if (known !== undefined) return known;
      reaches.set(n, false);
      const r = n.inputs.some((t) => targetIds.has(t.id) || (t.node !== null && prune(t.node)));
      reaches.set(n, r);
      return r;
    };
    const seeds = outs.map((o, i) => gradOutputs?.[i] ?? onesLike(o));
    const res = propagate(outs, seeds, (t) => targetIds.has(t.id), prune, opts);
    return inputs.map((t) => {
      const r = res.get(t.id);
      return r ? share(r.value) : zerosLike(t);
    });
  });
}
