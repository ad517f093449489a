/**
 * The WebGPU columns: navigator.gpu installation, the software-adapter rule, GPU-only
 * rows, the tessera-webgpu/tfjs-webgpu ratio, and (where an adapter exists: SwiftShader
 * here and in CI) both GPU adapters computing a small matmul that agrees with the CPU.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdapterReport } from '@tessera/backend-webgpu';
import { adapterLine, installNavigatorGpu, sharedGpu, skipReason } from '../src/adapters/gpu.js';
import { tesseraAdapter } from '../src/adapters/tessera.js';
import { tfjsAdapter } from '../src/adapters/tfjs.js';
import type { Adapter, LibName, MatmulRead, Runner } from '../src/adapters/types.js';
import type { Cell } from '../src/cell.js';
import { matmulData } from '../src/data.js';
import { Notes, agreementTable, throughputTable, type Row } from '../src/report.js';
import { matmulWorkloads } from '../src/workloads/matmul.js';
import type { Workload } from '../src/workloads/types.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
const REQUIRE_GPU = process.env.CI === 'true' || process.env.TESSERA_REQUIRE_WEBGPU === '1';

const report = (over: Partial<AdapterReport>): AdapterReport => ({
  vendor: 'nvidia',
  architecture: '',
  device: 'nvidia-h100-80gb-hbm3',
  description: 'NVIDIA: 580.159.04',
  software: false,
  shaderF16: true,
  features: [],
  limits: {},
  ...over,
});

describe('shared GPU entry point', () => {
  const gpu = { requestAdapter: async () => null } as unknown as GPU;

  it('installs navigator.gpu and the GPU* globals without replacing existing ones', () => {
    const bare: Record<string, unknown> = {};
    installNavigatorGpu(bare, gpu, { GPUBufferUsage: { MAP_READ: 1 } });
    expect((bare.navigator as { gpu: GPU }).gpu).toBe(gpu);
    expect(bare.GPUBufferUsage).toEqual({ MAP_READ: 1 });

    const node21: Record<string, unknown> = { navigator: { userAgent: 'Node.js/21' }, GPUBufferUsage: 'kept' };
    installNavigatorGpu(node21, gpu, { GPUBufferUsage: 'new' });
    expect(node21.navigator).toMatchObject({ userAgent: 'Node.js/21', gpu });
    expect(node21.GPUBufferUsage).toBe('kept');

    const other = {} as GPU;
    const browser: Record<string, unknown> = { navigator: { gpu: other } };
    installNavigatorGpu(browser, gpu);
    expect((browser.navigator as { gpu: GPU }).gpu).toBe(other);
  });

  it('skips a software adapter unless webgpu was named, and describes the adapter once per name', () => {
    const swift = report({ vendor: 'google', architecture: 'swiftshader', device: 'swiftshader', description: 'SwiftShader driver 5.0.0', software: true, shaderF16: false });
    expect(skipReason(swift, false)).toMatch(/software adapter.*--libs/);
    expect(skipReason(swift, true)).toBeUndefined();
    expect(skipReason(report({}), false)).toBeUndefined();
    expect(adapterLine(swift)).toBe('google / swiftshader / SwiftShader driver 5.0.0 (software adapter)');
    expect(adapterLine(report({}))).toBe('nvidia / nvidia-h100-80gb-hbm3 / NVIDIA: 580.159.04, shader-f16');
  });
});

/** Records which matmul reads each workload asks a (CPU or GPU) adapter for. */
function recorder(name: LibName, gpu: boolean): Adapter & { calls: [number, MatmulRead | undefined][] } {
  const calls: [number, MatmulRead | undefined][] = [];
  return {
    name,
    gpu,
    calls,
    describe: () => name,
    init: async () => {},
    activate: async () => {},
    liveTensors: () => 0,
    async matmul(d, read) {
      calls.push([d.n, read]);
      return { run: async () => new Float32Array(0), dispose() {} } satisfies Runner;
    },
  };
}

describe('GPU-only rows', () => {
  it('run on GPU columns only; the resident rows read back row 0', async () => {
    const cpu = recorder('tessera-cpu', false);
    const gpu = recorder('tessera-webgpu', true);
    const ws = matmulWorkloads();
    expect(ws.filter((w) => w.gpuOnly).map((w) => w.id)).toEqual(['matmul-2048', 'matmul-4096', 'matmul-1024-resident', 'matmul-2048-resident', 'matmul-4096-resident']);
    // (The transposed rows need matmulTransposed, which this recorder leaves out: n/a.)
    for (const w of ws.filter((x) => !/-t(A|B|AB)$/.test(x.id))) expect((await w.prepare(cpu)) === undefined).toBe(w.gpuOnly === true);
    for (const w of ws.filter((x) => /-t(A|B|AB)$/.test(x.id))) expect(await w.prepare(cpu)).toBeUndefined();
    expect(cpu.calls).toEqual([128, 256, 512, 1024].map((n) => [n, 'all']));
    // 1024 only: the larger inputs take seconds to generate.
    for (const id of ['matmul-1024', 'matmul-1024-resident']) await ws.find((w) => w.id === id)!.prepare(gpu);
    expect(gpu.calls).toEqual([
      [1024, 'all'],
      [1024, 'row0'],
    ]);
  });

  it('row 0 of a matmul is the first row of the full product (tessera-cpu, tfjs-cpu)', async () => {
    const d = matmulData(16);
    for (const a of [tesseraAdapter('cpu'), tfjsAdapter('cpu')]) {
      await a.init();
      await a.activate();
      const full = await a.matmul!(d, 'all');
      const row = await a.matmul!(d, 'row0');
      const [c, r0] = [await full.run(), await row.run()];
      full.dispose();
      row.dispose();
      expect(r0.length).toBe(16);
      expect([...r0]).toEqual([...c.subarray(0, 16)]);
    }
  });
});

describe('report with GPU columns', () => {
  const ok = (throughput: number, probe: number[]): Cell => ({
    kind: 'ok',
    throughput,
    timing: { medianMs: 1, minMs: 1, runs: 3, single: false, probe: Float32Array.from(probe) },
  });
  const w = { id: 'x', label: 'x', unit: 'GFLOP/s', probe: 'C' } as Workload;

  it('prints tessera-webgpu/tfjs-webgpu and compares against tessera-webgpu when the CPU did not run', () => {
    const libs: LibName[] = ['tessera-cpu', 'tessera-webgpu', 'tfjs-webgpu'];
    const rows: Row[] = [
      { workload: w, cells: new Map<LibName, Cell>([['tessera-cpu', { kind: 'n/a' }], ['tessera-webgpu', ok(300, [1, 2])], ['tfjs-webgpu', ok(200, [1, 2.5])]]) },
    ];
    const table = throughputTable(rows, libs, new Notes());
    expect(table).toContain('tessera-webgpu/tfjs-webgpu');
    expect(table).toContain('1.50×');
    const agree = agreementTable(rows, libs);
    expect(agree.table).toMatch(/\|\s+-\s+\|\s+reference\s+\|.*MISMATCH/);
    expect(agree.mismatches).toBe(1);
  });
});

const found = await sharedGpu().then(
  () => null,
  (e: unknown) => String((e as Error)?.message ?? e),
);
if (found) {
  if (REQUIRE_GPU) it('finds a WebGPU adapter (CI requires one)', () => expect(found).toBeNull());
  else console.warn(`bench WebGPU tests skipped: ${found}`);
}

describe.skipIf(found !== null)('tessera-webgpu and tfjs-webgpu on the shared adapter', () => {
  it('both compute a 16×16 matmul that agrees with tessera-cpu, then release their devices', { timeout: 180_000 }, async () => {
    const d = matmulData(16);
    const cpu = tesseraAdapter('cpu');
    await cpu.init();
    await cpu.activate();
    const refRunner = await cpu.matmul!(d);
    const ref = await refRunner.run();
    refRunner.dispose();
    for (const a of [tesseraAdapter('webgpu', { allowSoftware: true }), tfjsAdapter('webgpu', { allowSoftware: true })]) {
      await a.init();
      expect(a.describe()).toMatch(a.name === 'tfjs-webgpu' ? /adapter / : /GEMM tile/);
      await a.activate();
      const before = a.liveTensors();
      const r = await a.matmul!(d, 'all');
      const c = await r.run();
      r.dispose();
      expect(a.liveTensors()).toBe(before);
      let maxDiff = 0;
      for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(c[i] - ref[i]));
      expect(maxDiff).toBeLessThan(1e-4);
      await a.close!();
    }
  });
});
