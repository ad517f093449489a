export {
  maxNorm,
  unitNorm,
  minMaxNorm,
  nonNeg,
  type Constraint,
  type ConstraintFn,
  type ConstraintAxis,
  type MinMaxNormOptions,
} from './constraint.js';
export { constrain, constraintOf, applyConstraints } from './apply.js';
export { l1Penalty, l2Penalty, regularize, penaltyOf, penaltyLoss, type Penalty } from './penalty.js';
export { type ParamSource } from './params.js';
