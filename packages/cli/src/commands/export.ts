import { writeFileSync } from 'node:fs';
import { randn, tidy } from '@tessera/core';
import { exportOnnx } from '@tessera/onnx';
import { type CommandSpec, parseCommand } from '../args.js';
import { setupBackend } from '../backend.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { openModel, parseInputShape } from '../model-file.js';

/** `tessera export` options. */
export const exportSpec: CommandSpec = {
  name: 'export',
  summary: 'Export a trained checkpoint to ONNX (opset 17+), for onnxruntime and other runtimes.',
  positionals: '[model]',
  options: {
    checkpoint: { type: 'string', help: 'the model: run directory, .safetensors checkpoint or model file (or give it as the argument)' },
    format: { type: 'string', default: 'onnx', help: 'output format', choices: () => ['onnx'] },
    out: { type: 'string', help: 'output file (default: model.onnx beside the checkpoint)' },
    opset: { type: 'number', default: 17, integer: true, min: 17, help: 'ONNX opset' },
    'input-shape': { type: 'string', help: 'image shape C,H,W (default: what the run records)' },
    batch: { type: 'number', default: 1, integer: true, min: 1, help: 'batch size of the graph input (shapes are static)' },
  },
};

/** What `tessera export` wrote. */
export interface ExportSummary {
  readonly file: string;
  readonly bytes: number;
  readonly inputShape: readonly number[];
}

/**
 * Runs `tessera export`: rebuilds the run's model, loads the checkpoint and writes ONNX
 * whose input `input` is [batch, C, H, W] after the run's normalisation (as `tessera
 * predict` feeds the model) and whose output `output` is the logits.
 */
export async function exportCommand(argv: readonly string[], io: Io): Promise<ExportSummary> {
  const { values: a, positionals } = parseCommand(exportSpec, argv);
  if (a.format !== 'onnx') throw new CliError(`tessera export: --format ${String(a.format)} is not supported; use onnx.`);
  const model = (a.checkpoint as string | undefined) ?? positionals[0];
  if (model === undefined) throw new CliError('tessera export: give the model (a run directory or .safetensors file) as the argument or as --checkpoint.');
  // Export reads the weights synchronously: always on the CPU.
  await setupBackend('cpu', io.err);
  const { net, file, info } = await openModel(model);
  const shape = parseInputShape(a.inputShape as string | undefined) ?? info.inputShape;
  if (!shape) throw new CliError(`tessera export: ${file} does not record the image shape it takes; give --input-shape C,H,W (e.g. 1,28,28).`);
  const inputShape = [a.batch as number, ...shape];
  const bytes = tidy(() => exportOnnx(net, randn(inputShape), { opset: a.opset as number }));
  const target = (a.out as string | undefined) ?? file.replace(/[^/\\]*$/, 'model.onnx');
  writeFileSync(target, bytes);
  net.dispose();
  io.out(`wrote ${target} (${bytes.length} bytes, opset ${String(a.opset)}): input 'input' [${inputShape.join(', ')}] (normalised as tessera predict does), output 'output' (the logits${info.classes ? ` of ${info.classes.length} classes` : ''})`);
  return { file: target, bytes: bytes.length, inputShape };
}
