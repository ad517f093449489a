/**
 * Square float32 matmul C = op(A)·op(B), reported as GFLOP/s = 2·n³ / time. The plain rows
 * read all of C back every run; the GPU-only "C on GPU" rows read back only C's first row,
 * so the time is the GEMM plus one small readback rather than an n²-float copy. The
 * transposed rows (Aᵀ·B, A·Bᵀ, Aᵀ·Bᵀ at 1024) check "within 15 % of plain".
 */
import { matmulData, type MatmulData } from '../data.js';
import type { MatmulRead } from '../adapters/types.js';
import { once, type Workload } from './types.js';

const MATMUL_SIZES = [128, 256, 512, 1024] as const;
/** Sizes only GPU columns run (single-threaded CPU columns would take minutes per cell). */
const GPU_MATMUL_SIZES = [2048, 4096] as const;
/** Sizes of the GPU-only rows that keep C on the device. */
const RESIDENT_MATMUL_SIZES = [1024, 2048, 4096] as const;

/** Which operands are transposed: '' (plain), 'tA', 'tB' or 'tAB'. */
type Transposes = '' | 'tA' | 'tB' | 'tAB';

const datasets = new Map<string, () => MatmulData>();
/** One memoised input pair per size and transpose combination, shared by the rows. */
function dataFor(n: number, t: Transposes): () => MatmulData {
  const key = `${n}${t}`;
  let d = datasets.get(key);
  if (!d) datasets.set(key, (d = once(() => matmulData(n, t === 'tA' || t === 'tAB', t === 'tB' || t === 'tAB'))));
  return d;
}

/** Options of a matmul row. */
interface MatmulRowOptions {
  /** Only GPU columns run it. */
  readonly gpuOnly?: boolean;
  /** 'all' reads C back; 'row0' only its first row (GPU rows that keep C on the device). */
  readonly read?: MatmulRead;
  readonly transposes?: Transposes;
}

function matmulWorkload(n: number, opts: MatmulRowOptions = {}): Workload {
  const { gpuOnly = false, read = 'all', transposes: t = '' } = opts;
  const data = dataFor(n, t);
  const all = read === 'all';
  const ops = `${t === 'tA' || t === 'tAB' ? 'Aᵀ' : 'A'}·${t === 'tB' || t === 'tAB' ? 'Bᵀ' : 'B'}`;
  return {
    id: `matmul-${n}${all ? '' : '-resident'}${t ? `-${t}` : ''}`,
    label: `matmul ${n}×${n}${t ? ` ${ops}` : ''}${all ? '' : ', C on GPU'}`,
    unit: 'GFLOP/s',
    throughput: (ms) => (2 * n ** 3) / (ms * 1e-3) / 1e9,
    // Adapters without transposed matmul (onnx's MatMul has no flags) leave those cells n/a.
    prepare: (a) => (gpuOnly && !a.gpu ? undefined : t ? a.matmulTransposed?.(data()) : a.matmul?.(data(), read)),
    probe: all ? 'C' : 'C[0, :]',
    gpuOnly,
  };
}

export const matmulWorkloads = (): Workload[] => [
  ...MATMUL_SIZES.map((n) => matmulWorkload(n)),
  ...(['tA', 'tB', 'tAB'] as const).map((t) => matmulWorkload(1024, { transposes: t })),
  ...GPU_MATMUL_SIZES.map((n) => matmulWorkload(n, { gpuOnly: true })),
  ...RESIDENT_MATMUL_SIZES.map((n) => matmulWorkload(n, { gpuOnly: true, read: 'row0' })),
];
