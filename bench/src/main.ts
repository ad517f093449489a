/**
 * Tessera (cpu, webgpu) vs TensorFlow.js (cpu, wasm, webgpu) vs onnxruntime-node, in one process.
 * See README.md. Progress goes to stderr; the report (Markdown) to stdout.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { adapterLine, sharedGpu } from './adapters/gpu.js';
import { onnxAdapter } from './adapters/onnx.js';
import { tesseraAdapter } from './adapters/tessera.js';
import { tfjsAdapter } from './adapters/tfjs.js';
import type { Adapter, LibName } from './adapters/types.js';
import { runCell, type Cell } from './cell.js';
import { USAGE, parseArgs, wantsSection } from './cli.js';
import { Notes, agreementTable, scalingTable, throughputTable, toJson, type Row } from './report.js';
import { fmtMs, fmtNum } from './table.js';
import { DEFAULT_TIMING, QUICK_SLOW_ROW_TIMING, QUICK_TIMING, SLOW_ROW_TIMING } from './timing.js';
import { dataLoadReport } from './data-load.js';
import { COMPILED_ID, compiledSection } from './compiled/section.js';
import { runChildPart } from './compiled/child.js';
import { CHILD_FLAG } from './compiled/spawn.js';
import { attentionWorkloads } from './workloads/attention.js';
import { cnnInferWorkload, cnnTrainWorkload } from './workloads/cnn.js';
import { convNetWorkloads } from './workloads/convnets.js';
import { torchConvNets, torchTable } from './convnets/torch.js';
import { matmulWorkloads } from './workloads/matmul.js';
import { mlpTrainWorkload } from './workloads/mlp.js';
import { optimWorkloads } from './workloads/optim.js';
import type { Workload } from './workloads/types.js';

const log = (s: string) => process.stderr.write(s + '\n');

function describeCell(c: Cell): string {
  switch (c.kind) {
    case 'ok':
      return `${fmtMs(c.timing.medianMs)} median of ${c.timing.runs}${c.timing.single ? ' (single slow run)' : ''}`;
    case 'n/a':
      return 'n/a';
    default:
      return `${c.kind}: ${c.message}`;
  }
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2), process.env);
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  const timing = opts.quick ? QUICK_TIMING : DEFAULT_TIMING;
  const slowTiming = opts.quick ? QUICK_SLOW_ROW_TIMING : SLOW_ROW_TIMING;

  const allWorkloads: Workload[] = [
    ...matmulWorkloads(),
    mlpTrainWorkload(),
    cnnTrainWorkload(),
    cnnInferWorkload(),
    ...optimWorkloads(),
    ...convNetWorkloads(),
    ...attentionWorkloads(),
  ];
  const workloads = opts.filter.length ? allWorkloads.filter((w) => opts.filter.some((f) => w.id.includes(f))) : allWorkloads;
  const wantDataLoad = wantsSection(opts.filter, 'data-load');
  const wantCompiled = wantsSection(opts.filter, COMPILED_ID);
  if (workloads.length === 0 && !wantDataLoad && !wantCompiled)
    throw new Error(`--filter ${opts.filter.join(',')} matches no workload\n${USAGE}`);

  // A software GPU adapter (SwiftShader) is used only when a --libs entry names webgpu.
  const gpuOpts = { allowSoftware: opts.libs.some((l) => l.includes('webgpu')) };
  const allAdapters: Adapter[] = [
    tesseraAdapter('cpu'),
    tfjsAdapter('cpu'),
    tfjsAdapter('wasm'),
    onnxAdapter(),
    tesseraAdapter('webgpu', gpuOpts),
    tfjsAdapter('webgpu', gpuOpts),
  ];
  const chosen = opts.libs.length ? allAdapters.filter((a) => opts.libs.some((l) => a.name.includes(l))) : allAdapters;
  // 'torch' alone selects only the convnet rows' torch-cpu column (beside Tessera's CPU column).
  if (opts.libs.some((l) => l.includes('torch')) && !chosen.includes(allAdapters[0]!)) chosen.unshift(allAdapters[0]!);
  // Only the sections after the table were asked for: no library is started.
  const adapters = workloads.length ? chosen : [];
  if (chosen.length === 0) throw new Error(`--libs ${opts.libs.join(',')} matches no library\n${USAGE}`);

  const notes = new Notes();
  const unavailable = new Map<LibName, string>();
  const header: string[] = [];
  for (const a of adapters) {
    try {
      await a.init();
      header.push(`- ${a.name}: ${a.describe()}`);
    } catch (e) {
      const msg = String((e as Error)?.message ?? e).split('\n')[0];
      unavailable.set(a.name, msg);
      header.push(`- ${a.name}: NOT AVAILABLE (${msg})`);
      log(`${a.name}: not available: ${msg}`);
    }
  }
  const gpuLibs = adapters.filter((a) => a.gpu);
  if (gpuLibs.length) {
    const gpu = await sharedGpu().then(
      (g) => `${adapterLine(g.report)} via ${g.source}`,
      (e: unknown) => `none (${String((e as Error)?.message ?? e).split('\n')[0]})`,
    );
    header.push(`- GPU adapter (${gpuLibs.map((a) => a.name).join(' and ')} share it): ${gpu}`);
  }
  const gpuAvailable = gpuLibs.some((a) => !unavailable.has(a.name));
  const runnable = workloads.filter((w) => !w.gpuOnly || gpuAvailable);

  const started = performance.now();
  const rows: Row[] = [];
  for (const w of runnable) {
    const cells = new Map<LibName, Cell>();
    // Tessera's first output, against which rows with a tolerance check each cell before timing it.
    let reference: { lib: LibName; probe: Float32Array } | undefined;
    for (const a of adapters) {
      const u = unavailable.get(a.name);
      const c: Cell = u !== undefined ? { kind: 'unavailable', message: u } : await runCell(w, a, w.slow ? slowTiming : timing, reference);
      cells.set(a.name, c);
      if (!reference && c.kind === 'ok' && a.name.startsWith('tessera')) reference = { lib: a.name, probe: c.timing.probe };
      if (u === undefined) {
        log(
          `${w.id.padEnd(12)} ${a.name.padEnd(12)} ` +
            `${c.kind === 'ok' ? `${fmtNum(c.throughput)} ${w.unit}, ` : ''}${describeCell(c)}${c.leaked ? `, LEAK ${c.leaked}` : ''}`,
        );
      }
    }
    rows.push({ workload: w, cells });
  }
  // The optional torch-cpu column of the convnet rows, where --libs is not given or names torch.
  const convRows = rows.filter((r) => r.workload.family !== undefined);
  const wantTorch = convRows.length > 0 && (opts.libs.length === 0 || opts.libs.some((l) => l.includes('torch')));
  if (wantTorch) log('torch-cpu: convnet rows');
  const torch = wantTorch ? await torchConvNets(convRows.map((r) => r.workload.id), opts.quick ? 0.5 : 1.5) : undefined;
  const totalS = (performance.now() - started) / 1000;
  for (const a of adapters) if (!unavailable.has(a.name)) await a.close?.();

  const libs = adapters.map((a) => a.name);
  const cpu = os.cpus();
  const out: string[] = [];
  out.push(`# Tessera benchmark`);
  out.push('');
  out.push(
    `${new Date().toISOString()} · node ${process.version} · ${os.platform()}/${os.arch()} · ${cpu[0]?.model ?? '?'} × ${cpu.length} · ` +
      `${opts.quick ? 'quick' : 'full'} timing`,
  );
  out.push('');
  if (header.length) out.push(...header, '');
  const agree = workloads.length ? agreementTable(rows, libs) : { table: '', mismatches: 0 };
  if (workloads.length) {
    out.push('Throughput (higher is better), median time per iteration in parentheses; ratio = Tessera throughput / other.');
    out.push('');
    out.push(throughputTable(rows, libs, notes));
    out.push('');
    if (rows.some((r) => [...r.cells.values()].some((c) => c.kind === 'ok' && c.timing.single))) {
      out.push(
        `\\* single run: one iteration took longer than ${timing.slowRunMs} ms (${slowTiming.slowRunMs} ms in the convnet rows), ` +
          'so the cell was not repeated (cold run, includes warm-up costs).',
      );
    }
    if (notes.size) out.push('', notes.render());
    out.push('');
    const scaling = scalingTable(rows, libs);
    if (scaling) out.push('Thread scaling (median time per iteration on 1 thread and on n threads, from the rows above):', '', scaling, '');
    if (torch) out.push(...torchTable(convRows, torch), '');
    out.push('Output agreement from identical inputs and weights: max |Δ| against the reference (rel = max |Δ| / max |reference|).');
    out.push('');
    out.push(agree.table);
    out.push('');
    out.push(
      `${agree.mismatches === 0 ? 'all outputs agree' : `${agree.mismatches} MISMATCH(ES)`} · benchmark time ${totalS.toFixed(0)} s`,
    );
  }
  if (wantDataLoad) {
    log('data-load: parsing datasets');
    out.push('', 'Dataset loading (Tessera; parse and validate, median of 3):', '', ...(await dataLoadReport(3)));
  }
  const compiled = wantCompiled
    ? await compiledSection({ quick: opts.quick, gpu: chosen.some((a) => a.gpu), allowSoftware: gpuOpts.allowSoftware })
    : [];
  out.push(...(compiled.length ? ['', ...compiled] : []));
  console.log(out.join('\n'));

  if (opts.json) {
    writeFileSync(
      opts.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          cpu: cpu[0]?.model,
          cores: cpu.length,
          quick: opts.quick,
          libs: header,
          rows: toJson(rows),
          torchConvNets: torch,
          compiled,
        },
        null,
        2,
      ),
    );
    log(`wrote ${opts.json}`);
  }
  return agree.mismatches === 0 ? 0 : 1;
}

const run = process.argv[2] === CHILD_FLAG ? runChildPart(process.argv.slice(3)).then(() => 0) : main();
run.then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
