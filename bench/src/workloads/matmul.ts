/**
 * Square float32 matmul C = A·B, reported as GFLOP/s = 2·n³ / time. The plain rows read
 * all of C back every run; the GPU-only "C on GPU" rows read back only C's first row,
 * so the time is the GEMM plus one small readback rather than an n²-float copy.
 */
import { matmulData, type MatmulData } from '../data.js';
import type { MatmulRead } from '../adapters/types.js';
import { once, type Workload } from './types.js';

export const MATMUL_SIZES = [128, 256, 512, 1024] as const;
/** Sizes only GPU columns run (single-threaded CPU columns would take minutes per cell). */
export const GPU_MATMUL_SIZES = [2048, 4096] as const;
/** Sizes of the GPU-only rows that keep C on the device. */
export const RESIDENT_MATMUL_SIZES = [1024, 2048, 4096] as const;

const datasets = new Map<number, () => MatmulData>();
/** One memoised input pair per size, shared by the full-read and the row-0 rows. */
function dataFor(n: number): () => MatmulData {
  let d = datasets.get(n);
  if (!d) datasets.set(n, (d = once(() => matmulData(n))));
  return d;
}

export function matmulWorkload(n: number, gpuOnly = false, read: MatmulRead = 'all'): Workload {
  const data = dataFor(n);
  const all = read === 'all';
  return {
    id: all ? `matmul-${n}` : `matmul-${n}-resident`,
    label: all ? `matmul ${n}×${n}` : `matmul ${n}×${n}, C on GPU`,
    unit: 'GFLOP/s',
    throughput: (ms) => (2 * n ** 3) / (ms * 1e-3) / 1e9,
    prepare: (a) => (gpuOnly && !a.gpu ? undefined : a.matmul?.(data(), read)),
    probe: all ? 'C' : 'C[0, :]',
    gpuOnly,
  };
}

export const matmulWorkloads = (): Workload[] => [
  ...MATMUL_SIZES.map((n) => matmulWorkload(n)),
  ...GPU_MATMUL_SIZES.map((n) => matmulWorkload(n, true)),
  ...RESIDENT_MATMUL_SIZES.map((n) => matmulWorkload(n, true, 'row0')),
];
