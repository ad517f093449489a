import { DataError, ShapeError, type Tensor, fmtShape, relu, shapesEqual, tidy } from '@tessera/core';
import { LayerConfigError } from '../errors.js';
import { type ReductionOptions, expectPair, expectSameFloat, reduceLoss, valuesIfSync } from './reduce.js';

/** Options of `pairwiseDistance`. */
export interface DistanceOptions {
  /** The norm's order p > 0 (1: Manhattan, 2: Euclidean; default 2). */
  readonly p?: number;
  /** Added to the difference before the norm so the gradient is finite at zero distance (default 1e-6). */
  readonly eps?: number;
}

/** Options of `tripletMarginLoss`. */
export interface TripletMarginOptions extends ReductionOptions, DistanceOptions {
  /** Default 1. */
  readonly margin?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (Balntas et al.'s distance swap). Default false. */
  readonly swap?: boolean;
}

/** Options of `contrastiveLoss`. */
export interface ContrastiveOptions extends ReductionOptions {
  /** Dissimilar pairs closer than this are pushed apart. Default 1. */
  readonly margin?: number;
  /** See `DistanceOptions.eps`. Default 1e-6. */
  readonly eps?: number;
}

function checkDistance(name: string, o: DistanceOptions): void {
  const p = o.p ?? 2;
  if (!(p > 0) || !Number.isFinite(p)) throw new LayerConfigError(`${name}: p must be a positive number but got ${p}.`);
}

/** Row vectors [N, D] or one vector [D]; every input the same shape and dtype. */
function expectEmbeddings(name: string, what: readonly string[], ts: readonly Tensor[]): void {
  if (ts[0].rank !== 1 && ts[0].rank !== 2) {
    throw new ShapeError(`${name}: ${what[0]} must be [N, D] or [D] but got ${fmtShape(ts[0].shape)}.`);
  }
  for (let i = 1; i < ts.length; i++) {
    expectSameFloat(name, what[i], ts[0], ts[i]);
    if (!shapesEqual(ts[i].shape, ts[0].shape)) {
      throw new ShapeError(`${name}: ${what[i]} ${fmtShape(ts[i].shape)} must have the ${what[0]}'s shape ${fmtShape(ts[0].shape)}.`);
    }
  }
}

/**
 * ‖x1 − x2 + eps‖_p along the last axis (PyTorch's `pairwise_distance`, eps included).
 *
 * @example
 * pairwiseDistance(tensor([[0, 0]]), tensor([[3, 4]]), { eps: 0 }); // [5]
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: DistanceOptions = {}): Tensor {
  checkDistance('pairwiseDistance', opts);
  expectPair('pairwiseDistance', x1, x2);
  return tidy(() => x1.sub(x2).add(opts.eps ?? 1e-6).norm(opts.p ?? 2, -1));
}

/**
 * Triplet margin loss (PyTorch's `triplet_margin_loss`): max(0, margin + d(a, p) − d(a, n))
 * per row, with d the p-norm distance of `pairwiseDistance`. Inputs are [N, D] or [D].
 *
 * @example
 * tripletMarginLoss(anchor, positive, negative, { margin: 0.5, p: 1 });
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginOptions = {}): Tensor {
  const name = 'tripletMarginLoss';
  checkDistance(name, opts);
  expectEmbeddings(name, ['anchor', 'positive', 'negative'], [anchor, positive, negative]);
  return tidy(() => {
    const d = { p: opts.p, eps: opts.eps };
    const dPos = pairwiseDistance(anchor, positive, d);
    let dNeg = pairwiseDistance(anchor, negative, d);
    if (opts.swap) dNeg = dNeg.minimum(pairwiseDistance(positive, negative, d));
    return reduceLoss(name, relu(dPos.sub(dNeg).add(opts.margin ?? 1)), opts.reduction);
  });
}

/**
 * Contrastive loss (Hadsell, Chopra & LeCun 2006) of embedding pairs x1, x2 ([N, D] or
 * [D]) with d = ‖x1 − x2 + eps‖₂:  y·d² + (1 − y)·max(0, margin − d)².
 *
 * Label convention: **y = 1 marks a similar pair** (pulled together), y = 0 a dissimilar
 * one (pushed to at least `margin` apart); `similar` has shape [N] (or [] for one pair)
 * and the embeddings' dtype. The paper writes Y = 0 for similar pairs and halves both
 * terms; pass 1 − Y and multiply by ½ to reproduce its numbers exactly.
 *
 * @example
 * contrastiveLoss(e1, e2, tensor([1, 0, 1]), { margin: 2 });
 */
export function contrastiveLoss(x1: Tensor, x2: Tensor, similar: Tensor, opts: ContrastiveOptions = {}): Tensor {
  const name = 'contrastiveLoss';
  expectEmbeddings(name, ['x1', 'x2'], [x1, x2]);
  expectSameFloat(name, 'the label', x1, similar);
  const want = x1.shape.slice(0, -1);
  if (!shapesEqual(similar.shape, want)) {
    throw new ShapeError(`${name}: labels must have shape ${fmtShape(want)} (one per pair) but got ${fmtShape(similar.shape)}.`);
  }
  const v = valuesIfSync(similar);
  const bad = v ? Array.from(v).findIndex((y) => !(y >= 0 && y <= 1)) : -1;
  if (v && bad >= 0) throw new DataError(`${name}: labels must be in [0, 1] (1 = similar) but position ${bad} holds ${v[bad]}.`);
  return tidy(() => {
    const sq = x1.sub(x2).add(opts.eps ?? 1e-6).square().sum(-1);
    const push = relu(sq.sqrt().neg().add(opts.margin ?? 1)).square();
    const loss = similar.mul(sq).add(similar.neg().add(1).mul(push));
    return reduceLoss(name, loss, opts.reduction);
  });
}
