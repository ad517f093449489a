/**
 * Transfer learning in the worker: a registered zoo model built for the new class count,
 * its backbone loaded from pretrained weights (the head's tensors of another shape are
 * skipped and reported), then trained whole, with a lower backbone learning rate, or with
 * the backbone frozen.
 */
import { ConfigError, type Tensor, dispose, fmtShape, shapesEqual, tensor } from '@tessera/core';
import { type AnyModule, type StateDict, StateDictError, decodeSafetensors } from '@tessera/layers';
import { buildModel, fineTuneGroups, freezeBackbone, headName, inHead } from '@tessera/models';
import { type Optimizer, optimizer } from '@tessera/optim';
import type { ArrayPayload, TransferModelSpec, TransferReport } from './protocol.js';

type Transfer = TransferModelSpec['transfer'];

/** A state-dict tensor from a payload: float32 and int32 as they are (no byte scaling, unlike data). */
function stateTensor(name: string, p: ArrayPayload): Tensor {
  const size = Array.isArray(p?.shape) ? p.shape.reduce((a, b) => a * b, 1) : NaN;
  if (p?.data?.length !== size)
    throw new ConfigError(
      `training spec: model.transfer.backbone['${name}'] has ${String(p?.data?.length)} values but shape [${String(p?.shape)}]; ` +
        'send { data, shape } with data.length = the product of shape.',
    );
  if (p.data instanceof Float32Array) return tensor(p.data, { shape: [...p.shape] });
  if (p.data instanceof Int32Array) return tensor(p.data, { shape: [...p.shape], dtype: 'int32' });
  throw new ConfigError(`training spec: model.transfer.backbone['${name}'].data must be a Float32Array or Int32Array.`);
}

function backboneDict(backbone: Transfer['backbone']): StateDict {
  if (backbone instanceof Uint8Array) return decodeSafetensors(backbone).tensors;
  if (typeof backbone !== 'object' || backbone === null)
    throw new ConfigError(
      'training spec: model.transfer.backbone must be safetensors bytes (a Uint8Array) or a state dict of { data, shape }.',
    );
  const out: StateDict = {};
  try {
    for (const [k, p] of Object.entries(backbone)) out[k] = stateTensor(k, p);
  } catch (e) {
    dispose(Object.values(out));
    throw e;
  }
  return out;
}

/**
 * Loads pretrained weights into `model` for transfer: every tensor outside the head must be
 * in `dict` with its shape (else a `StateDictError` names the tensor and both shapes, or
 * the missing and unexpected keys); the head's tensors of another shape (the old class
 * count) are skipped and reported, and head tensors the dict lacks stay freshly initialised.
 */
function loadBackbone(
  model: AnyModule,
  dict: Readonly<StateDict>,
  head: string,
): Pick<TransferReport, 'skipped' | 'fresh' | 'loaded'> {
  const own = model.stateDict();
  const skipped: { name: string; weightsShape: number[]; modelShape: number[] }[] = [];
  const fresh: string[] = [];
  const missing: string[] = [];
  const mismatched: string[] = [];
  const load: StateDict = {};
  for (const [k, p] of Object.entries(own)) {
    const v = Object.hasOwn(dict, k) ? dict[k] : undefined;
    if (!v) (inHead(k, head) ? fresh : missing).push(k);
    else if (shapesEqual(v.shape, p.shape)) load[k] = v;
    else if (inHead(k, head)) skipped.push({ name: k, weightsShape: [...v.shape], modelShape: [...p.shape] });
    else mismatched.push(`${k}: the model has ${fmtShape(p.shape)}, the weights have ${fmtShape(v.shape)}`);
  }
  const unexpected = Object.keys(dict).filter((k) => !Object.hasOwn(own, k));
  if (missing.length || unexpected.length || mismatched.length) {
    const parts = [
      mismatched.length ? `wrong shapes outside the head '${head}': ${mismatched.join('; ')}` : '',
      missing.length ? `backbone tensors missing from the weights: ${missing.join(', ')}` : '',
      unexpected.length ? `tensors the model does not have: ${unexpected.join(', ')}` : '',
    ].filter(Boolean);
    throw new StateDictError(
      `transfer into ${model.typeName}: ${parts.join('; ')}. Only the head may differ: pass weights of the same zoo model ` +
        '(same name and input shape) trained on any class count.',
      missing,
      unexpected,
      mismatched,
    );
  }
  model.loadStateDict(load, { strict: false });
  return { skipped, fresh, loaded: Object.keys(load).length };
}

/** Builds the spec's model and loads its backbone; the head's dotted name comes with the report. */
export function transferModel(t: Transfer): {
  model: AnyModule;
  report: Omit<TransferReport, 'trainableParameters' | 'frozenParameters'>;
} {
  if (typeof t !== 'object' || t === null || typeof t.name !== 'string')
    throw new ConfigError(
      'training spec: model.transfer must be { name, inputShape, numClasses, backbone, freezeBackbone?, backboneLr? }.',
    );
  if (t.freezeBackbone && t.backboneLr !== undefined)
    throw new ConfigError(
      'training spec: model.transfer has freezeBackbone and backboneLr; a frozen backbone has no learning rate, give one.',
    );
  if (t.backboneLr !== undefined && !(t.backboneLr >= 0))
    throw new ConfigError(`training spec: model.transfer.backboneLr must be a number ≥ 0; got ${String(t.backboneLr)}.`);
  const model = buildModel(t.name, { numClasses: t.numClasses, inputShape: t.inputShape });
  const dict = backboneDict(t.backbone);
  try {
    const head = headName(model);
    return { model, report: { head, ...loadBackbone(model, dict, head) } };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    dispose(Object.values(dict));
  }
}

/**
 * The optimizer of a transfer job: over the head alone with a frozen backbone (its
 * parameters stop requiring gradients), over two groups with `backboneLr` (the head at
 * the optimizer's `lr`, which must then be given), else over every parameter.
 */
export function transferOptimizer(
  t: Transfer,
  model: AnyModule,
  head: string,
  spec: { readonly name: string; readonly options?: Readonly<Record<string, unknown>> },
): Optimizer {
  const opts = { ...(spec.options ?? {}) };
  if (t.freezeBackbone) {
    freezeBackbone(model, head);
    return optimizer(spec.name, model.parameters().filter((p) => p.requiresGrad), opts);
  }
  if (t.backboneLr === undefined) return optimizer(spec.name, model.parameters(), opts);
  if (typeof opts.lr !== 'number')
    throw new ConfigError("training spec: model.transfer.backboneLr needs the head's rate as optimizer.options.lr.");
  return optimizer(spec.name, fineTuneGroups(model, { headLr: opts.lr, backboneLr: t.backboneLr }, head), opts);
}
