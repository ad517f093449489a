import { bnApplyFn, bnSumsFn, type BatchNormExports } from './batch-norm-module.js';
import { biasActFn, biasSumsFn, columnSumsFn, type BiasExports } from './bias-module.js';
import { assemble, type FnBuilder, type MemoryImport } from './encode.js';
import { copy2dFn, im2colFn, type ConvExports } from './conv-module.js';
import { elementwiseFunctions, type BinaryRow } from './elementwise-module.js';
import { gemmFunctions, type GemmExports, type GemmShape } from './gemm-module.js';
import { maxPoolFn, type PoolingExports } from './pooling-module.js';
import { winoDotFn, winoMulFn, type WinoProductExports } from './wino-products-module.js';
import { winoGradFn, winoInFn, winoOutFn, type WinogradExports } from './winograd-module.js';

/** Everything the generated module exports. */
export type WasmExports = GemmExports &
  ConvExports &
  PoolingExports &
  WinogradExports &
  WinoProductExports &
  BatchNormExports &
  BiasExports &
  { add_vv: BinaryRow };

/**
 * The CPU backend's one WebAssembly module: GEMM (first: it calls its micro-kernels by
 * index), im2col/col2im and a strided copy, the Winograd transforms, max pooling, batch
 * norm's sums and input-gradient pass, the bias add (+ relu) and bias-gradient sums, and
 * the float32 elementwise `add_vv` row, all generated from their TypeScript descriptions
 * over one imported memory.
 */
export function moduleBytes(shape: GemmShape, memory: MemoryImport): Uint8Array<ArrayBuffer> {
  const fns: { name: string; fn: FnBuilder }[] = [
    ...gemmFunctions(shape),
    { name: 'im2col', fn: im2colFn(false) },
    { name: 'col2im', fn: im2colFn(true) },
    { name: 'copy2d', fn: copy2dFn() },
    { name: 'maxPool', fn: maxPoolFn(false) },
    { name: 'maxPoolBackward', fn: maxPoolFn(true) },
    { name: 'winoIn', fn: winoInFn() },
    { name: 'winoOut', fn: winoOutFn() },
    { name: 'winoGrad', fn: winoGradFn() },
    { name: 'winoMul', fn: winoMulFn(shape.fma) },
    { name: 'winoDot', fn: winoDotFn(shape.fma) },
    { name: 'bnSums', fn: bnSumsFn() },
    { name: 'bnApply', fn: bnApplyFn() },
    { name: 'biasAdd', fn: biasActFn(false) },
    { name: 'biasRelu', fn: biasActFn(true) },
    { name: 'biasSums', fn: biasSumsFn() },
    { name: 'columnSums', fn: columnSumsFn() },
    ...elementwiseFunctions(),
  ];
  return assemble(memory, fns);
}
