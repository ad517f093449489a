/**
 * onnxruntime-node: the native inference reference. Models are built in memory with the
 * bench's own protobuf encoder (src/onnx). Training is not available in onnxruntime-node,
 * so only matmul and CNN inference run here. Threads default to 1 (like every other
 * column); set BENCH_ORT_THREADS to change it. The convnet rows set their own count
 * (intra-op threads = the row's threads) and write the graph from the row's weights.
 */
import type * as ortTypes from 'onnxruntime-node';
import type { CnnData, MatmulData } from '../data.js';
import type { ConvNetInferData } from '../convnets/data.js';
import { cnnModel, matmulModel } from '../onnx/models.js';
import { convNetModel } from '../onnx/convnet.js';
import { NotApplicable, type Adapter, type Runner } from './types.js';

export const ortThreads = Math.max(1, Number(process.env.BENCH_ORT_THREADS ?? 1) || 1);

export function onnxAdapter(): Adapter {
  let ort: typeof ortTypes | undefined;
  const lib = (): typeof ortTypes => {
    if (!ort) throw new Error('onnxruntime-node is not loaded');
    return ort;
  };

  async function session(bytes: Uint8Array, threads = ortThreads): Promise<ortTypes.InferenceSession> {
    return lib().InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  }

  function runner(s: ortTypes.InferenceSession, feeds: Record<string, ortTypes.Tensor>, output: string): Runner {
    return {
      async run() {
        const res = await s.run(feeds);
        const out = res[output].data as Float32Array;
        for (const t of Object.values(res)) t.dispose();
        return out;
      },
      dispose() {
        void s.release();
      },
    };
  }

  return {
    name: 'onnx',
    describe: () => `onnxruntime-node ${ort?.env.versions.node ?? '?'} (CPU EP, intra-op threads ${ortThreads})`,
    async init() {
      ort = await import('onnxruntime-node');
    },
    async activate() {},
    liveTensors: () => undefined,

    async matmul({ n, a, b }: MatmulData): Promise<Runner> {
      const T = lib().Tensor;
      const s = await session(matmulModel(n));
      return runner(s, { A: new T('float32', a, [n, n]), B: new T('float32', b, [n, n]) }, 'C');
    },

    async cnnInfer(d: CnnData): Promise<Runner> {
      const T = lib().Tensor;
      const s = await session(cnnModel(d.params, d.batch));
      return runner(s, { x: new T('float32', d.x, [d.batch, 1, 28, 28]) }, 'logits');
    },

    async convNetInfer(d: ConvNetInferData): Promise<Runner> {
      if (!d.fuse && d.plan.ops.some((o) => o.op === 'bn'))
        throw new NotApplicable('the unfused row is Tessera against itself (onnxruntime folds batch norms when it loads a graph)');
      const T = lib().Tensor;
      const s = await session(convNetModel(d.plan, d.weights, d.batch), d.threads);
      return runner(s, { x: new T('float32', d.x, [d.batch, d.plan.inChannels, d.plan.size, d.plan.size]) }, 'logits');
    },
  };
}
