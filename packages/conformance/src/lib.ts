/**
 * Everything of the kit except `runConformance`, importable outside a vitest run (scripts
 * that print the coverage table, custom harnesses): `@tessera/conformance/lib`.
 */
export {
  caseInputs,
  checkForward,
  checkGradient,
  checkGradientVsCpu,
  checkReference,
  checkChain,
  checkChainCompiled,
  FD_EPS,
} from './checks.js';
export { coverageTable, coverageRows, missingPrimitives, skipMap, type CoverageRow, type SkipEntry, type SkipList } from './coverage.js';
export { TOLERANCE_PRESETS, compareArrays, toleranceFor, type Tolerance, type TolerancePreset } from './compare.js';
export { CASES, compositeOps, defineCase, input, type OpCase, type InputSpec, type CaseContext, type CaseOptions } from './cases.js';
export { buildChains, applyChain, describeChain, type Chain, type ChainStep, type ChainValue } from './chains.js';
export { Rng, GENS, indexGen, avoiding, hashString, type Gen, type GenName, type GenKind } from './rng.js';
