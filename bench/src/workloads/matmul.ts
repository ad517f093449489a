/** Square float32 matmul C = op(A)·op(B), reported as GFLOP/s = 2·n³ / time. */
import { matmulData } from '../data.js';
import { once, type Workload } from './types.js';

export const MATMUL_SIZES = [128, 256, 512, 1024] as const;

/** Which operands are transposed: '' (plain), 'tA', 'tB' or 'tAB'. */
export type Transposes = '' | 'tA' | 'tB' | 'tAB';

export function matmulWorkload(n: number, t: Transposes = ''): Workload {
  const tA = t === 'tA' || t === 'tAB';
  const tB = t === 'tB' || t === 'tAB';
  const data = once(() => matmulData(n, tA, tB));
  const ops = `${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'}`;
  return {
    id: t ? `matmul-${n}-${t}` : `matmul-${n}`,
    label: t ? `matmul ${n}×${n} ${ops}` : `matmul ${n}×${n}`,
    unit: 'GFLOP/s',
    throughput: (ms) => (2 * n ** 3) / (ms * 1e-3) / 1e9,
    // Adapters without transposed matmul (onnx's MatMul has no flags) leave the cell n/a.
    prepare: (a) => (t ? a.matmulTransposed?.(data()) : a.matmul?.(data())),
    probe: 'C',
  };
}

/** The square sizes, then the three transpose combinations at 1024 (the "within 15 % of plain"). */
export const matmulWorkloads = (): Workload[] => [
  ...MATMUL_SIZES.map((n) => matmulWorkload(n)),
  ...(['tA', 'tB', 'tAB'] as const).map((t) => matmulWorkload(1024, t)),
];
