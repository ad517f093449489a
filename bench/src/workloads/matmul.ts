/** Square float32 matmul C = A·B, reported as GFLOP/s = 2·n³ / time. */
import { matmulData } from '../data.js';
import { once, type Workload } from './types.js';

export const MATMUL_SIZES = [128, 256, 512, 1024] as const;

export function matmulWorkload(n: number): Workload {
  const data = once(() => matmulData(n));
  return {
    id: `matmul-${n}`,
    label: `matmul ${n}×${n}`,
    unit: 'GFLOP/s',
    throughput: (ms) => (2 * n ** 3) / (ms * 1e-3) / 1e9,
    prepare: (a) => a.matmul?.(data()),
    probe: 'C',
  };
}

export const matmulWorkloads = (): Workload[] => MATMUL_SIZES.map(matmulWorkload);
