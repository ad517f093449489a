/**
 * The compiled-step section of `pnpm bench` (issue 15), printed after the throughput table
 * (`--filter=compiled` runs only it). Each backend is measured in its own child process,
 * one after the other: Dawn's null backend, the CPU backend, a WebGPU adapter where one
 * is usable; then PyTorch on the CPU where Debian's python3-torch is installed.
 */
import { QUICK_SECTION_PLAN, SECTION_PLAN } from './plan.js';
import { fmtLoad, hostCostTable, memoryTable, throughputTable } from './report.js';
import { runPart } from './spawn.js';
import { torchCpu } from './torch.js';
import type { PartResult } from './types.js';

/** The id `--filter` matches to select this section. */
export const COMPILED_ID = 'compiled';

export interface SectionOptions {
  readonly quick: boolean;
  /** Try the WebGPU adapter (the webgpu columns were not filtered out). */
  readonly gpu: boolean;
  /** Run the WebGPU part on a software adapter too (a --libs entry named webgpu). */
  readonly allowSoftware: boolean;
}

const log = (s: string) => process.stderr.write(`compiled: ${s}\n`);

const unavailable = (p: PartResult): string[] => (p.unavailable ? [`- ${p.backend}: NOT AVAILABLE (${p.unavailable})`] : []);

/** Markdown lines of the section. */
export async function compiledSection(o: SectionOptions): Promise<string[]> {
  const flags = [...(o.quick ? ['--quick'] : []), ...(o.allowSoftware ? ['--allow-software'] : [])];
  const plan = o.quick ? QUICK_SECTION_PLAN : SECTION_PLAN;
  log("Dawn's null backend");
  const nul = await runPart('null', flags);
  log('CPU backend');
  const cpu = await runPart('cpu', flags);
  let gpu: PartResult | null = null;
  if (o.gpu) {
    log('WebGPU adapter');
    gpu = await runPart('webgpu', flags);
  }
  log('torch-cpu');
  const torch = await torchCpu(plan.torchSeconds);
  const parts = [cpu, ...(gpu ? [gpu] : [])];
  const out: string[] = ['## Compiled steps (issue 15)', ''];
  out.push(
    `Through \`fit\` as a user runs it ({ x, y } on the device, loss 'crossEntropy', SGD lr 0.1, shuffled) and a hand-written loop ` +
      `(zeroGrad, crossEntropyLoss, backward, SGD step; \`tidy\` eager, \`compile\` compiled); ${plan.batchesPerEpoch} batches per ` +
        `epoch, ` +
      `${plan.epochs} epochs per run of which the first (trace, pipelines) is not timed, eager and compiled runs alternated ` +
        `${plan.rounds}×; ` +
      'median ms per step of the timed epochs (each ends with fit\'s loss readback).',
    '',
    `Host cost per step on Dawn's null backend (\`webgpu({ nodeFlags: ['backend=null'] })\`: the GPU does nothing, so wall time is host ` +
      `time; ` +
      `process CPU time in parentheses) · ${fmtLoad(nul.load)}`,
    '',
    ...(nul.unavailable ? unavailable(nul) : [hostCostTable(nul.timings)]),
    '',
    `Training throughput through fit, compiled vs eager · ${fmtLoad(parts[parts.length - 1].load)}`,
    '',
    throughputTable(parts.filter((p) => !p.unavailable), torch),
    ...parts.flatMap(unavailable),
    ...(torch.ok ? [] : [`- torch-cpu: skipped (${torch.reason})`]),
    '',
    'Peak live device memory of a training step through fit on the CPU backend (every kernel output and upload counted at allocation, ' +
      'so a compiled replay\'s intermediates count too; largest step after the tracing epoch; resident = what the step before left: ' +
        'data, weights, gradients, loss)',
    '',
    ...(cpu.unavailable ? unavailable(cpu) : [memoryTable(cpu.memory)]),
  );
  return out;
}
