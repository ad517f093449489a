import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, randn, tensor, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { normalize } from '@tessera/datasets';
import { ModelFileError, encodeSafetensors, saveModel, saveWeights } from '@tessera/layers';
import { mlp, mnistCnn } from '@tessera/models';
import { exportOnnx } from '@tessera/onnx';
import { evaluateCommand, exportCommand, predictCommand } from '../src/index.js';
import { prepareImage, readImage } from '../src/image.js';
import { captureIo } from './helpers.js';

use(cpu());
const dir = mkdtempSync(join(tmpdir(), 'tessera-model-files-'));
// An ONNX file written by torch.onnx.export (PyTorch 1.13): conv, max-pool, batch norm, leaky ReLU,
// average pool, linear, log-softmax on 1×12×12 images; made by packages/onnx/test/fixtures/make_onnx.py.
const TORCH_CNN = fileURLToPath(new URL('../../onnx/test/fixtures/cnn.onnx', import.meta.url));

/** A grey PNG of random ink, light on dark (so no inversion). */
function png(name: string, size: number, seed: number): string {
  const p = new PNG({ width: size, height: size });
  let s = seed;
  for (let i = 0; i < size * size; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const v = i % size < 2 ? 0 : s % 256;
    p.data.set([v, v, v, 255], i * 4);
  }
  const file = join(dir, name);
  writeFileSync(file, PNG.sync.write(p));
  return file;
}

const softmax = (v: ArrayLike<number>): number[] => {
  const m = Math.max(...Array.from(v));
  const e = Array.from(v, (x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
};

describe('tessera predict / eval on model files that describe themselves', () => {
  it('predict model.onnx image.png runs an ONNX file from torch.onnx.export and agrees with onnxruntime', async () => {
    const image = png('ink.png', 24, 7);
    const io = captureIo();
    const [p] = await predictCommand([TORCH_CNN, image, '--backend', 'cpu', '--top', '5'], io);
    // The graph's own input (1×12×12) decides the shape; no normalisation was asked for.
    const { image: x } = prepareImage(readImage(image), [1, 12, 12]);
    const batch = new Float32Array(4 * 144);
    batch.set(x.data); // the exported graph has a fixed batch of 4
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(readFileSync(TORCH_CNN));
    const out = (await session.run({ input: new ort.Tensor('float32', batch, [4, 1, 12, 12]) })).output.data as Float32Array;
    await session.release();
    const want = softmax(out.slice(0, 5));
    expect(p.top.map((t) => t.index)).toEqual(want.map((_, i) => i).sort((a, b) => want[b] - want[a]));
    for (const t of p.top) expect(Math.abs(t.probability - want[t.index])).toBeLessThanOrEqual(1e-5);
    expect(io.lines[0]).toMatch(/ink\.png: \d \d+\.\d%/);
  });

  it('predict a saveModel file: the shape comes from --input-shape (a clear error without it), normalisation from --mean/--std', async () => {
    manualSeed(3);
    const net = mnistCnn({ numClasses: 10 });
    const file = join(dir, 'cnn.safetensors');
    writeFileSync(file, await saveModel(net));
    const image = png('digit.png', 28, 11);
    await expect(predictCommand([file, image, '--backend', 'cpu'], captureIo())).rejects.toThrow(/does not record the image shape.*--input-shape C,H,W/);
    const [p] = await predictCommand([file, image, '--backend', 'cpu', '--input-shape', '1,28,28', '--mean', '0.1307', '--std', '0.3081', '--classes', 'a,b,c,d,e,f,g,h,i,j', '--top', '10'], captureIo());
    const { image: x } = prepareImage(readImage(image), [1, 28, 28]);
    const logits = noGrad(() => net.eval().call(normalize(tensor(x.data, { shape: [1, 1, 28, 28] }), [0.1307], [0.3081]))).dataSync();
    const want = softmax(logits);
    for (const t of p.top) {
      expect(t.label).toBe('abcdefghij'[t.index]);
      expect(Math.abs(t.probability - want[t.index])).toBeLessThanOrEqual(1e-6);
    }
  });

  it('eval gives the same confusion matrix for a saveModel file and its ONNX export', async () => {
    manualSeed(5);
    const net = mlp({ inFeatures: 784, hidden: [32], outFeatures: 10 });
    const file = join(dir, 'mlp.safetensors');
    writeFileSync(file, await saveModel(net));
    const onnx = join(dir, 'mlp.onnx');
    // Exported shapes are static: the graph's batch is eval's (2,000 test images in batches of 500).
    writeFileSync(onnx, exportOnnx(net, randn([500, 1, 28, 28])));
    const a = await evaluateCommand([file, '--dataset', 'mnist-sample', '--backend', 'cpu', '--mean', '0.13', '--std', '0.31'], captureIo());
    const b = await evaluateCommand([onnx, '--dataset', 'mnist-sample', '--backend', 'cpu', '--mean', '0.13', '--std', '0.31'], captureIo());
    expect(a.confusion.flat().reduce((x, y) => x + y, 0)).toBe(2000);
    expect(b.confusion).toEqual(a.confusion);
    await expect(evaluateCommand([file, '--backend', 'cpu'], captureIo())).rejects.toThrow(/does not record its dataset; give --dataset/);
  });

  it('export --format pytorch writes an nn.Module and its weights that PyTorch runs to the same logits (skips without torch)', async (ctx) => {
    if (spawnSync('/usr/bin/python3', ['-c', 'import torch']).status !== 0) {
      console.warn('/usr/bin/python3 with torch is not installed (apt install python3-torch); the PyTorch check skips.');
      ctx.skip();
    }
    manualSeed(8);
    const net = mnistCnn({ numClasses: 10 });
    const file = join(dir, 'for-torch.safetensors');
    writeFileSync(file, await saveModel(net));
    const io = captureIo();
    const r = await exportCommand([file, '--format', 'pytorch', '--input-shape', '1,28,28', '--out', join(dir, 'cnn.py')], io);
    expect(r.weights).toBe(join(dir, 'cnn.safetensors'));
    expect(io.lines[0]).toMatch(/wrote .*cnn\.py \(nn\.Module TesseraModel, load_model\(\)\) and .*cnn\.safetensors: forward takes \[N, 1, 28, 28\]/);
    const x = randn([3, 1, 28, 28]);
    writeFileSync(join(dir, 'x.safetensors'), encodeSafetensors({ x }));
    const script = [
      'import importlib.util, json, sys',
      `spec = importlib.util.spec_from_file_location('cnn', ${JSON.stringify(r.file)})`,
      'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
      `net = m.load_model(${JSON.stringify(r.weights)}).eval()`,
      `x = m.load_weights(${JSON.stringify(join(dir, 'x.safetensors'))})['x']`,
      'print(json.dumps(net(x).detach().flatten().tolist()))',
    ].join('\n');
    const got = JSON.parse((await promisify(execFile)('/usr/bin/python3', ['-c', script], { encoding: 'utf8' })).stdout) as number[];
    const want = noGrad(() => net.eval().call(x)).dataSync();
    expect(got).toHaveLength(30);
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[i]!))));
    await expect(exportCommand([file, '--format', 'pytorch', '--input-shape', '1,28,28', '--out', join(dir, 'cnn.txt')], captureIo())).rejects.toThrow(/--out must name a \.py file/);
  });

  it('a weights-only file is refused with what to do instead', async () => {
    const file = join(dir, 'weights.safetensors');
    writeFileSync(file, await saveWeights(mlp({ inFeatures: 4, hidden: [], outFeatures: 2 })));
    const run = predictCommand([file, png('w.png', 8, 1), '--backend', 'cpu'], captureIo());
    await expect(run).rejects.toThrow(ModelFileError);
    await expect(predictCommand([file, png('w2.png', 8, 1), '--backend', 'cpu'], captureIo())).rejects.toThrow(/holds weights but not the architecture.*saveModel/);
  });
});
