import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { noGrad, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { MNIST } from '@tessera/datasets/node';
import { decodeSafetensors, encodeSafetensors } from '@tessera/layers';
import { evaluateCommand, exportCommand, infoCommand, predictCommand, train, benchCommand } from '../src/index.js';
import { captureIo } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
const out = join(dir, 'run');

/** A real test digit written as a PNG, dark ink on white paper and 2× larger, like a scan. */
function digitPng(index: number): { file: string; label: number } {
  const test = MNIST.sample({ split: 'test' });
  const { image, label } = test.get(index);
  const png = new PNG({ width: 56, height: 56 });
  for (let y = 0; y < 56; y++) {
    for (let x = 0; x < 56; x++) {
      const v = 255 - image[(y >> 1) * 28 + (x >> 1)];
      const o = (y * 56 + x) * 4;
      png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
      png.data[o + 3] = 255;
    }
  }
  const file = join(dir, `digit-${index}.png`);
  writeFileSync(file, PNG.sync.write(png));
  return { file, label };
}

describe('tessera train / eval / predict (mnist-sample, a few hundred images)', () => {
  it('train writes config, metrics, best and last checkpoints and a self-contained report', async () => {
    const io = captureIo();
    const s = await train(['--model', 'mlp', '--dataset', 'mnist-sample', '--epochs', '2', '--limit', '600', '--batch-size', '50', '--lr', '0.1', '--backend', 'cpu', '--out', out], io);
    expect(s.backend).toBe('cpu');
    expect(s.datasetSource).toMatch(/^MNIST sample \(8,000 train \/ 2,000 test\)/);
    expect(s.history.loss).toHaveLength(2);
    expect(s.testAccuracy).toBeGreaterThan(0.6);
    const testAccuracy = s.testAccuracy ?? 0;
    for (const f of ['config.json', 'metrics.jsonl', 'best.safetensors', 'last.safetensors', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model: 'mlp', dataset: 'mnist-sample', epochs: 2, batchSize: 50, seed: 0, limit: 600 });
    expect(config.normalization.mean[0]).toBeCloseTo(0.13, 1);
    const jsonl = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.epoch ?? r.split)).toEqual([1, 2, 'test']); // epochs, then the one test evaluation
    expect(Object.keys(jsonl[0])).toEqual(expect.arrayContaining(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<polyline'); // curves
    expect(html).toContain('class="cm"'); // confusion matrix
    expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(64); // the grid
    // Misclassified test images first: as many as there are errors (up to 64), then correct ones.
    const errors = Math.round(2000 * (1 - testAccuracy));
    const kinds = [...html.matchAll(/<figure class="(ok|bad)">/g)].map((m) => m[1]);
    expect(kinds.join(' ')).toBe([...Array(Math.min(64, errors)).fill('bad'), ...Array(64 - Math.min(64, errors)).fill('ok')].join(' '));
    expect(html).not.toMatch(/<script|https?:\/\//); // self-contained
    const lines = io.lines.join('\n');
    expect(lines).toMatch(/Epoch 1\/2 · [\d.]+s · \d+ samples\/s · loss/); // one line per epoch off a TTY
  });

  it('eval reports accuracy, per-class scores and the confusion matrix of the best checkpoint', async () => {
    const io = captureIo();
    const r = await evaluateCommand(['--checkpoint', out, '--backend', 'cpu'], io);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2000);
    expect(r.accuracy).toBeGreaterThan(0.6);
    expect(io.lines.join('\n')).toMatch(/class\s+precision\s+recall\s+f1\s+support/);
  });

  it('predict classifies PNG files (inverted, resized) with top-3 probabilities', async () => {
    const io = captureIo();
    const digits = [0, 1, 2, 3, 4].map(digitPng);
    const preds = await predictCommand(['--checkpoint', join(out, 'best.safetensors'), '--backend', 'cpu', ...digits.map((d) => d.file)], io);
    expect(preds).toHaveLength(5);
    for (const p of preds) {
      expect(p.inverted).toBe(true);
      expect(p.top).toHaveLength(3);
      const sum = p.top.reduce((a, t) => a + t.probability, 0);
      expect(sum).toBeLessThanOrEqual(1 + 1e-6);
      expect(p.top[0].probability).toBeGreaterThanOrEqual(p.top[1].probability);
    }
    const right = preds.filter((p, i) => p.top[0].index === digits[i].label).length;
    expect(right).toBeGreaterThanOrEqual(3);
    expect(io.lines[0]).toMatch(/digit-0\.png \(inverted: dark on light\): \d \d+\.\d%, \d \d+\.\d%, \d \d+\.\d%/);
  });

  it('a checkpoint carries its architecture and run info: alone in another folder, predict and eval need no config.json and agree with the run', async () => {
    const alone = join(mkdtempSync(join(tmpdir(), 'tessera-alone-')), 'digits.safetensors');
    copyFileSync(join(out, 'best.safetensors'), alone);
    const digits = [5, 6].map(digitPng);
    const inRun = await predictCommand([join(out, 'best.safetensors'), '--backend', 'cpu', ...digits.map((d) => d.file)], captureIo());
    const io = captureIo();
    const moved = await predictCommand([alone, '--backend', 'cpu', ...digits.map((d) => d.file)], io);
    expect(moved).toEqual(inRun);
    const evalIo = captureIo();
    const r = await evaluateCommand([alone, '--backend', 'cpu'], evalIo);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(2000);
    expect(r.accuracy).toBeGreaterThan(0.6);
  });

  it('a checkpoint from before checkpoints carried their architecture is rebuilt from the run\'s config.json', async () => {
    const { tensors, metadata } = decodeSafetensors(readFileSync(join(out, 'best.safetensors')));
    const { 'tessera.model': _m, 'tessera.config': _c, 'tessera.run': _r, ...older } = metadata;
    const old = join(out, 'older.safetensors');
    writeFileSync(old, encodeSafetensors(tensors, older));
    const digits = [7].map(digitPng);
    const a = await predictCommand([old, '--backend', 'cpu', ...digits.map((d) => d.file)], captureIo());
    const b = await predictCommand([join(out, 'best.safetensors'), '--backend', 'cpu', ...digits.map((d) => d.file)], captureIo());
    expect(a).toEqual(b);
  });

  it('export writes ONNX that onnxruntime runs to the same logits as the checkpoint', async () => {
    const io = captureIo();
    const target = join(dir, 'mlp.onnx');
    const r = await exportCommand(['--checkpoint', out, '--out', target, '--batch', '2'], io);
    expect(r.inputShape).toEqual([2, 1, 28, 28]);
    expect(io.lines[0]).toMatch(/wrote .*mlp\.onnx \(\d+ bytes, opset 17\): input 'input' \[2, 1, 28, 28\]/);
    const { openModel } = await import('../src/model-file.js');
    const { net } = await openModel(out);
    const x = randn([2, 1, 28, 28]);
    const want = noGrad(() => net.eval().call(x)).dataSync();
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(readFileSync(target));
    const got = (await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.dataSync() as Float32Array), [2, 1, 28, 28]) })).output.data as Float32Array;
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want[i])));
    await session.release();
  });

  it('--resume continues a finished run for more epochs', async () => {
    const io = captureIo();
    const s = await train(['--model', 'mlp', '--dataset', 'mnist-sample', '--epochs', '3', '--limit', '600', '--batch-size', '50', '--backend', 'cpu', '--out', out, '--resume'], io);
    expect(s.history.loss).toHaveLength(3); // two restored epochs plus one new
    const jsonl = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    expect(jsonl).toHaveLength(4); // three epochs and the final test record
  });

  it('info and bench run', async () => {
    const io = captureIo();
    const lines = await infoCommand(['--backend', 'cpu'], io);
    expect(Object.fromEntries(lines)).toMatchObject({ 'backend in use': 'cpu', '@tessera/cli': expect.any(String) });
    const rows = await benchCommand(['--backend', 'cpu', '--seconds', '0.05'], captureIo());
    expect(rows.map((r) => r.workload)).toEqual(['matmul 256×256', 'matmul 512×512', 'mlp train step (batch 100)', 'mlp inference (batch 100)', 'mnist-cnn train step (batch 100)', 'mnist-cnn inference (batch 100)']);
    for (const r of rows) expect(r.value).toBeGreaterThan(0);
  });

  it('Ctrl-C stops cleanly after writing a resumable checkpoint', async () => {
    const run2 = join(dir, 'interrupted');
    const child = spawn(process.execPath, [BIN, 'train', '--model', 'mlp', '--dataset', 'mnist-sample', '--epochs', '50', '--limit', '2000', '--batch-size', '20', '--backend', 'cpu', '--out', run2], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TESSERA_OFFLINE: '1', CI: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!sent && stdout.includes('Epoch 1/50')) {
          sent = true; // a second Ctrl-C would exit at once (code 130)
          child.kill('SIGINT');
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/Interrupted: checkpoint written to .*last\.safetensors; continue with the same command plus --resume/);
    expect(stdout).toMatch(/Stopped: interrupted \(Ctrl-C\)/);
    expect(stdout).toMatch(/Test split not evaluated \(interrupted\)/); // it is read once, when the run finishes
    expect(readFileSync(join(run2, 'metrics.jsonl'), 'utf8')).not.toContain('"split":"test"');
    const { loadCheckpointFile } = await import('@tessera/train/node');
    use(cpu()); // when this test runs alone, no command has installed a backend yet
    const ck = await loadCheckpointFile(join(run2, 'last.safetensors'));
    // 2,000 examples less 200 held out for validation: 1,800 / 20 = 90 batches per epoch.
    expect(ck.state.step).toBeGreaterThan(90);
    expect(ck.state.batchesDone).toBeGreaterThan(0); // mid-epoch position
    expect(ck.state.step).toBe(ck.state.epoch * 90 + ck.state.batchesDone);
    const epochs = ck.state.epoch + 1;
    ck.dispose();
    // The suggested command finishes the interrupted epoch.
    const s = await train(['--model', 'mlp', '--dataset', 'mnist-sample', '--epochs', String(epochs), '--limit', '2000', '--batch-size', '20', '--backend', 'cpu', '--out', run2, '--resume'], captureIo());
    expect(s.history.loss).toHaveLength(epochs);
  });
});
