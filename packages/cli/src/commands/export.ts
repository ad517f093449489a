import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { randn, tidy } from '@tessera/core';
import type { Layer } from '@tessera/layers';
import { exportOnnx } from '@tessera/onnx';
import { exportPytorch } from '@tessera/pytorch';
import { type CommandSpec, parseCommand } from '../args.js';
import { setupBackend } from '../backend.js';
import { CliError } from '../errors.js';
import type { Io } from '../io.js';
import { openModel, parseInputShape } from '../model-file.js';

const FORMATS = ['onnx', 'pytorch'] as const;

/** `tessera export` options. */
export const exportSpec: CommandSpec = {
  name: 'export',
  summary: 'Export a trained model to ONNX (opset 17+, for onnxruntime and other runtimes) or to PyTorch code (an nn.Module plus ' +
    'safetensors weights, for DDP/FSDP).',
  positionals: '[model]',
  options: {
    checkpoint: { type: 'string', help: 'the model: run directory, .safetensors checkpoint or model file (or give it as the argument)' },
    format: { type: 'string', default: 'onnx', help: 'output format', choices: () => FORMATS },
    out: { type: 'string', help: 'output file (default: model.onnx or model.py beside the checkpoint; pytorch writes its weights beside ' +
      'it as .safetensors)' },
    opset: { type: 'number', default: 17, integer: true, min: 17, help: 'ONNX opset' },
    'input-shape': { type: 'string', help: 'image shape C,H,W (default: what the run records)' },
    batch: { type: 'number', default: 1, integer: true, min: 1, help: 'batch size of the example input (ONNX: of the graph, whose shapes ' +
      'are static)' },
  },
};

/** What `tessera export` wrote. */
export interface ExportSummary {
  readonly file: string;
  /** PyTorch only: the weights file written beside the code. */
  readonly weights?: string;
  readonly bytes: number;
  readonly inputShape: readonly number[];
}

/** The output path: `--out`, else `model.<ext>` beside the model file. */
const target = (out: string | undefined, file: string, ext: string): string => out ?? file.replace(/[^/\\]*$/, `model.${ext}`);

/** Writes the model as PyTorch code plus weights (`model.py` and `model.safetensors`). */
async function writePytorch(net: Layer, inputShape: number[], out: string): Promise<{ weights: string; bytes: number }> {
  if (!out.endsWith('.py')) throw new CliError(`tessera export --format pytorch: --out must name a .py file but is ${out}.`);
  const weights = out.replace(/\.py$/, '.safetensors');
  const x = randn(inputShape);
  try {
    const r = await exportPytorch(net, x, { weightsFile: basename(weights) });
    writeFileSync(out, r.code);
    writeFileSync(weights, r.weights);
    return { weights, bytes: r.code.length };
  } finally {
    x.dispose();
  }
}

/**
 * Runs `tessera export`: opens the model (a run, checkpoint or model file: it carries its
 * architecture) and writes ONNX whose input `input` is [batch, C, H, W] after the run's
 * normalisation (as `tessera predict` feeds the model) and whose output `output` is the
 * logits, or PyTorch code whose `forward` takes that same input.
 */
export async function exportCommand(argv: readonly string[], io: Io): Promise<ExportSummary> {
  const { values: a, positionals } = parseCommand(exportSpec, argv);
  const model = (a.checkpoint as string | undefined) ?? positionals[0];
  if (model === undefined)
    throw new CliError('tessera export: give the model (a run directory or .safetensors file) as the argument or as --checkpoint.');
  // Export reads the weights synchronously: always on the CPU.
  await setupBackend('cpu', io.err);
  const { net, file, info } = await openModel(model);
  try {
    const shape = parseInputShape(a.inputShape as string | undefined) ?? info.inputShape;
    if (!shape)
      throw new CliError(`tessera export: ${file} does not record the image shape it takes; give --input-shape C,H,W (e.g. 1,28,28).`);
    const inputShape = [a.batch as number, ...shape];
    const logits = `the logits${info.classes ? ` of ${info.classes.length} classes` : ''}`;
    if (a.format === 'pytorch') {
      const out = target(a.out as string | undefined, file, 'py');
      const { weights, bytes } = await writePytorch(net, inputShape, out);
      io.out(`wrote ${out} (nn.Module TesseraModel, load_model()) and ${weights}: forward takes [N, ${shape.join(', ')}] normalised as ` +
        `tessera predict does, returns ${logits}`);
      return { file: out, weights, bytes, inputShape };
    }
    const bytes = tidy(() => exportOnnx(net, randn(inputShape), { opset: a.opset as number }));
    const out = target(a.out as string | undefined, file, 'onnx');
    writeFileSync(out, bytes);
    io.out(`wrote ${out} (${bytes.length} bytes, opset ${String(a.opset)}): input 'input' [${inputShape.join(', ')}] (normalised as ` +
      `tessera predict does), output 'output' (${logits})`);
    return { file: out, bytes: bytes.length, inputShape };
  } finally {
    net.dispose();
  }
}
