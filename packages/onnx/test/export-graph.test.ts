import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, manualSeed, mod, noGrad, randn, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { LayerNorm, Linear, Module, ReLU, Sequential } from '@tessera/layers';
import { resnet } from '@tessera/models';
import { OnnxExportError, decodeModelProto, exportOnnx, onnxExportableOps } from '../src/index.js';
import { maxRelativeError, runOnnx } from './ort.js';
import { ZOO_CASES } from './zoo-cases.js';

beforeAll(() => use(cpu()));

class Wrapped extends Module<[Tensor], Tensor> {
  fc = new Linear(3, 2);
  forward(x: Tensor): Tensor {
    return mod(this.fc.call(x), 2);
  }
}

describe('exportOnnx: the file', () => {
  it('holds opset 17, IR 8, the weights under their state-dict names, named input and output with static shapes', () => {
    manualSeed(1);
    const net = resnet('resnet20', { numClasses: 5, inChannels: 1 });
    const model = decodeModelProto(exportOnnx(net, randn([2, 1, 32, 32])));
    expect(model.ir_version).toBe(8);
    expect(model.opset_import).toEqual([{ domain: '', version: 17 }]);
    const graph = model.graph!;
    const inits = graph.initializer!.map((t) => t.name!);
    const state = Object.keys(net.stateDict());
    for (const name of ['conv1.weight', 'bn1.running_var', 'layer1.0.conv1.weight', 'fc.weight', 'fc.bias']) expect(inits).toContain(name);
    // Every initializer is a state-dict entry or a constant; the weights keep their layouts.
    for (const name of inits) expect(state.includes(name) || /^(const|shape|pad|axes|starts|ends|steps|one|half|sqrt2|min|max)/.test(name)).toBe(true);
    const fc = graph.initializer!.find((t) => t.name === 'fc.weight')!;
    expect(fc.dims).toEqual(net.stateDict()['fc.weight'].shape);
    expect(graph.input!.map((v) => [v.name, v.type!.tensor_type!.shape!.dim!.map((d) => d.dim_value)])).toEqual([['input', [2, 1, 32, 32]]]);
    expect(graph.output!.map((v) => [v.name, v.type!.tensor_type!.shape!.dim!.map((d) => d.dim_value)])).toEqual([['output', [2, 5]]]);
    expect(new Set(graph.node!.map((n) => n.op_type))).toEqual(new Set(['Conv', 'Add', 'Sqrt', 'Reciprocal', 'Mul', 'Sub', 'Reshape', 'Relu', 'MaxPool', 'Pad', 'AveragePool', 'Transpose', 'MatMul', 'Identity']));
  });

  it('restores training mode and leaves no wrapper on the modules', () => {
    const net = new Sequential(new Linear(3, 4), new ReLU());
    const call = net.call;
    exportOnnx(net, randn([1, 3]));
    expect(net.training).toBe(true);
    expect(net.modules().every((m) => m.training && !Object.prototype.hasOwnProperty.call(m, 'call'))).toBe(true);
    expect(net.call).toBe(call);
  });

  it('an op with no ONNX mapping is an OnnxExportError naming the op and the module', () => {
    expect(onnxExportableOps()).not.toContain('mod');
    expect(() => exportOnnx(new Wrapped(), randn([1, 3]))).toThrow(OnnxExportError);
    expect(() => exportOnnx(new Wrapped(), randn([1, 3]))).toThrow(/1 op call\(s\) have no ONNX mapping: 'mod' \(in \(root\) \(Wrapped\)\)/);
  });

  it('opsets outside 17–21 are refused with the supported range', () => {
    expect(() => exportOnnx(new Linear(2, 2), randn([1, 2]), { opset: 13 })).toThrow(/opset 13 is not supported; use 17 to 21/);
  });

  it('opset 18 writes reductions with axes as inputs, and the file runs', async () => {
    const net = new Sequential(new Linear(3, 4), new LayerNorm(4));
    const x = randn([2, 3]);
    const bytes = exportOnnx(net, x, { opset: 18 });
    const model = decodeModelProto(bytes);
    expect(model.opset_import).toEqual([{ domain: '', version: 18 }]);
    expect(model.ir_version).toBe(9);
    const reductions = model.graph!.node!.filter((n) => n.op_type === 'ReduceSum');
    expect(reductions.length).toBeGreaterThan(0);
    expect(reductions.every((n) => n.input!.length === 2)).toBe(true);
    const [got] = await runOnnx(bytes, { input: x });
    expect(maxRelativeError(got.data, noGrad(() => net.eval().call(x)).dataSync())).toBeLessThanOrEqual(1e-4);
  });
});

/** Whether Debian's python3-onnx is importable. */
const python = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
const hasOnnx = python.status === 0;
if (!hasOnnx) console.warn('skipping onnx.checker tests: /usr/bin/python3 cannot import onnx (apt-get install python3-onnx)');

describe.skipIf(!hasOnnx)('exportOnnx: every zoo model passes onnx.checker (full check, with shape inference)', () => {
  it('all of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-onnx-'));
    try {
      const files = ZOO_CASES.map(([name, build, shape], i) => {
        manualSeed(2);
        const path = join(dir, `${i}.onnx`);
        writeFileSync(path, exportOnnx(build(), randn(shape)));
        return [name, path];
      });
      const script = [
        'import sys, onnx',
        'for path in sys.argv[1:]:',
        '    onnx.checker.check_model(onnx.load(path), full_check=True)',
        'print("ok", len(sys.argv) - 1)',
      ].join('\n');
      const run = spawnSync('/usr/bin/python3', ['-c', script, ...files.map(([, p]) => p)], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe(`ok ${files.length}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
