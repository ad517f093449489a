export { type Reduction, type ReductionOptions } from './reduce.js';
export { mseLoss, l1Loss, huberLoss, smoothL1Loss, type HuberOptions, type SmoothL1Options } from './regression.js';
export { crossEntropyLoss, crossEntropy, nllLoss, type CrossEntropyOptions, type NLLOptions } from './classification.js';
export {
  bceLoss,
  bceWithLogitsLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type BCEOptions,
  type BCEWithLogitsOptions,
} from './binary.js';
export { logisticLoss, hingeLoss, squaredHingeLoss, exponentialLoss, type MarginLoss } from './margin.js';
export {
  pairwiseDistance,
  tripletMarginLoss,
  contrastiveLoss,
  type DistanceOptions,
  type TripletMarginOptions,
  type ContrastiveOptions,
} from './embedding.js';
export { klDivLoss, klDiv, klSparsityPenalty, type KLDivOptions, type KLSparsityOptions } from './divergence.js';
export * from './modules.js';
