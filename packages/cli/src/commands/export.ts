import { writeFileSync } from 'node:fs';
import { randn, tidy } from '@tessera/core';
import { exportOnnx } from '@tessera/onnx';
import { type CommandSpec, parseCommand } from '../args.js';
import { setupBackend } from '../backend.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { loadRunModel, resolveCheckpoint } from '../run-config.js';

/** `tessera export` options. */
export const exportSpec: CommandSpec = {
  name: 'export',
  summary: 'Export a trained checkpoint to ONNX (opset 17+), for onnxruntime and other runtimes.',
  options: {
    checkpoint: { type: 'string', help: 'run directory or .safetensors file from tessera train' },
    format: { type: 'string', default: 'onnx', help: 'output format', choices: () => ['onnx'] },
    out: { type: 'string', help: 'output file (default: model.onnx beside the checkpoint)' },
    opset: { type: 'number', default: 17, integer: true, min: 17, help: 'ONNX opset' },
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
  const { values: a } = parseCommand(exportSpec, argv);
  if (a.format !== 'onnx') throw new CliError(`tessera export: --format ${String(a.format)} is not supported; use onnx.`);
  const { file, config } = resolveCheckpoint(a.checkpoint as string | undefined);
  // Export reads the weights synchronously: always on the CPU.
  await setupBackend('cpu', io.err);
  const net = await loadRunModel(file, config);
  const inputShape = [a.batch as number, ...config.inputShape];
  const bytes = tidy(() => exportOnnx(net, randn(inputShape), { opset: a.opset as number }));
  const target = (a.out as string | undefined) ?? file.replace(/[^/\\]*$/, 'model.onnx');
  writeFileSync(target, bytes);
  net.dispose();
  io.out(`wrote ${target} (${bytes.length} bytes, opset ${String(a.opset)}): input 'input' [${inputShape.join(', ')}] (normalised as tessera predict does), output 'output' (logits of ${config.classes.length} classes)`);
  return { file: target, bytes: bytes.length, inputShape };
}
