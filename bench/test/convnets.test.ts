/**
 * The convnet rows (issue 24) on small inputs: the bench's ONNX graph of ResNet-18 run in
 * onnxruntime-node, and the tfjs forward pass (cpu and wasm), against the zoo model in
 * Tessera with the same weights, unfused and folded; the plan's names and shapes against
 * the zoo's (strict load); the training runner; the pre-timing output check; the tables.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { resnet, vgg } from '@tessera/models';
import { onnxAdapter } from '../src/adapters/onnx.js';
import { tesseraConvNetInfer, tesseraConvNetTrain } from '../src/adapters/tessera-convnets.js';
import { tfjsAdapter } from '../src/adapters/tfjs.js';
import type { Adapter, Runner } from '../src/adapters/types.js';
import { relativeDifference, runCell, type Cell } from '../src/cell.js';
import type { ConvNetInferData } from '../src/convnets/data.js';
import { resnetPlan, vggPlan, type NetPlan } from '../src/convnets/plan.js';
import { foldBatchNorms, planWeights } from '../src/convnets/weights.js';
import { labels, randn, rng } from '../src/data.js';
import { Notes, agreementTable, scalingTable, throughputTable, type Row } from '../src/report.js';
import { convNetWorkloads } from '../src/workloads/convnets.js';
import { parseTorchRows, torchTable } from '../src/convnets/torch.js';
import type { Workload } from '../src/workloads/types.js';

beforeAll(async () => {
  use(cpu());
  await init({ backends: ['cpu'] });
});

const TOL = 1e-4;

async function once(r: Runner): Promise<Float32Array> {
  try {
    return await r.run();
  } finally {
    r.dispose();
  }
}

/** Generous: these run real networks, and the shared machine may be loaded many times over. */
const SLOW = 300_000;

const weightCache = new Map<NetPlan, ConvNetInferData['weights']>();

function data(plan: NetPlan, zoo: ConvNetInferData['zoo'], batch: number, fuse: boolean, threads = 1): ConvNetInferData {
  let weights = weightCache.get(plan);
  if (!weights) weightCache.set(plan, (weights = planWeights(plan, 5)));
  return { plan, weights, batch, x: randn(batch * 3 * plan.size * plan.size, 1, rng(9)), threads, fuse, zoo };
}

describe('ResNet-18 at 32×32, batch 2: the ONNX graph and tfjs against Tessera', () => {
  const plan = resnetPlan('resnet18', 32);
  const zoo = () => resnet('resnet18');

  it('onnxruntime runs the bench-written graph to the zoo model’s logits, folded and unfolded', async () => {
    const o = onnxAdapter();
    await o.init();
    const onnx = await once(await o.convNetInfer!(data(plan, zoo, 2, true)));
    expect(onnx.length).toBe(2000);
    expect(onnx.every(Number.isFinite)).toBe(true);
    const unfused = await once(await tesseraConvNetInfer(data(plan, zoo, 2, false)));
    const fused = await once(await tesseraConvNetInfer(data(plan, zoo, 2, true)));
    expect(relativeDifference(onnx, unfused)).toBeLessThan(TOL);
    expect(relativeDifference(onnx, fused)).toBeLessThan(TOL);
    // Not vacuous: other weights give other logits.
    const other = { ...data(plan, zoo, 2, true), weights: planWeights(plan, 6) };
    expect(relativeDifference(await once(await o.convNetInfer!(other)), fused)).toBeGreaterThan(0.1);
  }, SLOW);

  it('tfjs-cpu and tfjs-wasm (batch norms folded at setup) give the same logits', async () => {
    const d = data(plan, zoo, 2, true, 1);
    const ref = await once(await tesseraConvNetInfer(d));
    for (const b of ['cpu', 'wasm'] as const) {
      const t = tfjsAdapter(b);
      await t.init();
      await t.activate();
      expect(relativeDifference(await once(await t.convNetInfer!(d)), ref), b).toBeLessThan(TOL);
    }
  }, SLOW);

  it('the plan names every zoo parameter with its shape (a strict load), and folding removes every batch norm', () => {
    const { weights } = data(plan, zoo, 1, false);
    expect(weights.length).toBe(20 + 20 * 4 + 2); // 20 conv weights, 20 batch norms × 4, fc weight and bias
    const folded = foldBatchNorms(plan, weights);
    expect(folded.plan.ops.some((o) => o.op === 'bn')).toBe(false);
    expect(folded.plan.ops.filter((o) => o.op === 'conv').every((o) => o.op === 'conv' && o.bias)).toBe(true);
    const bad = weights.map((w) => (w.name === 'layer1.0.conv1.weight' ? { ...w, name: 'layer1.0.convX.weight' } : w));
    return expect(tesseraConvNetInfer({ ...data(plan, zoo, 1, false), weights: bad })).rejects.toThrow(/layer1\.0\.conv/);
  }, SLOW);
});

describe('plans', () => {
  it('describe the ImageNet ResNets and VGG at 224 only, with clear errors otherwise', () => {
    expect(() => resnetPlan('resnet20')).toThrow(/CIFAR stem/);
    expect(() => vggPlan('A', 64)).toThrow(/224×224/);
    expect(() => vggPlan('A-LRN')).toThrow(/local response/);
    const r50 = resnetPlan('resnet50', 64);
    expect(r50.ops.filter((o) => o.op === 'conv').length).toBe(53);
  });

  it('VGG-11 (small classifier) matches the zoo model in onnxruntime at 224×224', async () => {
    const plan = vggPlan('A', 224, 10, 16);
    const d = data(plan, () => vgg('A', { numClasses: 10, hidden: 16 }), 1, false);
    const o = onnxAdapter();
    await o.init();
    expect(relativeDifference(await once(await o.convNetInfer!(d)), await once(await tesseraConvNetInfer(d)))).toBeLessThan(TOL);
  }, SLOW);
});

describe('ResNet-20 training runner', () => {
  it('lowers the loss on a repeated batch with SGD momentum, and returns the loss and fc bias', async () => {
    const next = rng(3);
    const r = await tesseraConvNetTrain({ name: 'resnet20', batch: 8, inChannels: 3, size: 32, x: randn(8 * 3 * 32 * 32, 1, next), y: labels(8, 10, next), threads: 1, zoo: () => resnet('resnet20'), seed: 1, lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const p = await r.run();
      expect(p.length).toBe(11);
      losses.push(p[0]);
    }
    r.dispose();
    expect(losses[3]).toBeLessThan(losses[0]);
  }, SLOW);
});

describe('rows, pre-timing check and tables', () => {
  it('has 1- and 2-thread rows selectable by id', () => {
    const ids = convNetWorkloads().map((w) => w.id);
    expect(ids).toEqual([
      'resnet18-b1-2t', 'resnet18-b1-1t', 'resnet18-b8-2t', 'resnet18-b8-1t', 'resnet18-b1-unfused-2t',
      'resnet20-train-2t', 'resnet20-train-1t', 'vgg11-b1-2t', 'vgg11-b1-1t',
    ]);
    expect(ids.filter((i) => i.includes('resnet')).length).toBe(7);
  });

  const fake = (out: Float32Array): Adapter => ({
    name: 'onnx',
    describe: () => 'fake',
    init: async () => {},
    activate: async () => {},
    liveTensors: () => undefined,
    matmul: async () => ({ run: async () => out, dispose: () => {} }),
  });
  const w: Workload = { id: 'x', label: 'x', unit: 'samples/s', throughput: (ms) => 1 / ms, prepare: (a) => a.matmul?.({ n: 1, a: new Float32Array(1), b: new Float32Array(1) }), probe: 'p', tolerance: 1e-4 };
  const t = { warmupRuns: 1, minTimeMs: 0, maxTimeMs: 100, minRuns: 1, maxRuns: 2, slowRunMs: 1000 };

  it('a cell beyond the row tolerance is a mismatch, not timed; within it, it is timed', async () => {
    const reference = { lib: 'tessera-cpu', probe: Float32Array.of(1, 2) };
    const bad = await runCell(w, fake(Float32Array.of(1, 2.01)), t, reference);
    expect(bad.kind).toBe('mismatch');
    const good = await runCell(w, fake(Float32Array.of(1, 2.00001)), t, reference);
    expect(good.kind).toBe('ok');
    const rows: Row[] = [{ workload: w, cells: new Map<'tessera-cpu' | 'onnx', Cell>([['onnx', bad]]) }];
    expect(agreementTable(rows, ['tessera-cpu', 'onnx']).mismatches).toBe(1);
    const notes = new Notes();
    expect(throughputTable(rows, ['tessera-cpu', 'onnx'], notes)).toContain('MISMATCH [1]');
    expect(notes.render()).toMatch(/differs from tessera-cpu's by 5\.0+e-3/);
  });

  it('the scaling table pairs the 1- and 2-thread rows of a family', () => {
    const cell = (ms: number): Cell => ({ kind: 'ok', throughput: 1 / ms, timing: { medianMs: ms, minMs: ms, runs: 3, single: false, probe: new Float32Array(0) } });
    const row = (threads: number, ms: number): Row => ({ workload: { ...w, threads, family: 'resnet18-b1' }, cells: new Map([['tessera-cpu', cell(ms)]]) });
    const table = scalingTable([row(2, 100), row(1, 180)], ['tessera-cpu']);
    expect(table).toMatch(/resnet18-b1 \| tessera-cpu \|\s+180 ms \|\s+100 ms \(2\) \|\s+1\.80×/);
    expect(scalingTable([row(2, 100)], ['tessera-cpu'])).toBe('');
  });
});

describe('torch-cpu table of the convnet rows', () => {
  it('parses the script line and puts torch beside tessera-cpu', () => {
    const torch = parseTorchRows('noise\n{"torch": "1.13.0", "ms": {"resnet18-b1-2t": 25.0}}\n');
    expect(torch).toEqual({ ok: true, version: '1.13.0', ms: { 'resnet18-b1-2t': 25 } });
    expect(() => parseTorchRows('{"ms": 3}')).toThrow(/unexpected torch output/);
    const w = convNetWorkloads()[0]!;
    const c: Cell = { kind: 'ok', throughput: 10, timing: { medianMs: 100, minMs: 100, runs: 3, single: false, probe: new Float32Array(0) } };
    const lines = torchTable([{ workload: w, cells: new Map([['tessera-cpu', c]]) }], torch).join('\n');
    expect(lines).toMatch(/ResNet-18 infer 224² b1 \(BN folded\), 2 threads \|\s+100 ms \|\s+25\.0 ms \|\s+0\.25×/);
    expect(torchTable([], { ok: false, reason: 'no torch' }).join('\n')).toContain('skipped (no torch)');
  });
});
