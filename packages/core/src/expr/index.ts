export {
  EXPR_UNARY, EXPR_BINARY, ex, isUnaryOp, isBinaryOp, mapLeaves,
  type Expr, type ExprLike, type ExprUnaryOp, type ExprBinaryOp, type ElementwiseAttrs, type EpilogueAttrs, type PrologueAttrs,
  type InputExpr, type ConstExpr, type ScalarExpr, type UnaryExpr, type BinaryExpr, type SelectExpr, type CastExpr,
} from './ir.js';
export { lowerExpr, ExprError, type LoweredExpr, type ExprInstr } from './lower.js';
export { evalExpr, type ExprOperand } from './eval.js';
export { exprGrads } from './grad.js';
/** The IR's reference scalar functions (erf, floored mod, round-half-even, …), for backends. */
export * as scalarMath from './special.js';
export {
  groupByMember, type ElementwiseGroupAttrs, type ElementwiseGroupMember, type ElementwiseGroupOutput, type MultiOutputKernel,
  type ReduceGroupAttrs, type ReduceGroupEpilogue, type ReduceGroupMember,
} from './group.js';
