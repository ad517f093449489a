/**
 * One part of the compiled-step section in its own process (Dawn's flags, such as
 * `backend=null`, are fixed when its instance is made, so each backend gets a fresh one):
 * the bench's own entry run as `main.ts --compiled-part null|cpu|webgpu [--quick]
 * [--allow-software]` (so the esbuild bundle of main.ts has it too).
 * Progress goes to stderr; the last stdout line is `RESULT_PREFIX` + the PartResult JSON.
 */
import { init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { adapterLine, sharedGpu } from '../adapters/gpu.js';
import { startWebGpu } from '../adapters/tessera.js';
import { fitSettings } from './fit-timing.js';
import { NETS } from './nets.js';
import { dispatchCounter, memoryPeaks, partResult, stepTimings } from './parts.js';
import { QUICK_SECTION_PLAN, SECTION_PLAN, type SectionPlan } from './plan.js';
import { RESULT_PREFIX, type Part } from './spawn.js';
import type { PartResult, StepTiming } from './types.js';

/** Eager and compiled fit, MLP then CNN. */
async function fitTimings(plan: SectionPlan, counter: (() => number) | null): Promise<StepTiming[]> {
  return [...(await stepTimings(NETS.mlp, 'fit', plan, counter)), ...(await stepTimings(NETS.cnn, 'fit', plan, counter))];
}

async function nullPart(quick: boolean): Promise<PartResult> {
  use(webgpu({ nodeFlags: ['backend=null'] }));
  await init({ backends: ['webgpu'] });
  fitSettings.nanGuard = false; // nothing computes on the null backend: losses are garbage
  const plan = quick ? QUICK_SECTION_PLAN : SECTION_PLAN;
  const counter = dispatchCounter();
  const timings: StepTiming[] = [];
  for (const spec of [NETS.mlp, NETS.cnn])
    for (const driver of ['fit', 'loop'] as const) timings.push(...(await stepTimings(spec, driver, plan, counter)));
  return partResult('webgpu on Dawn null backend', { timings });
}

async function cpuPart(quick: boolean): Promise<PartResult> {
  use(cpu());
  await init({ backends: ['cpu'] });
  const plan = quick ? QUICK_SECTION_PLAN : SECTION_PLAN;
  const timings = await fitTimings(plan, null);
  const memory = [...(await memoryPeaks('cnn', 3)), ...(await memoryPeaks('mlp', 3))];
  return partResult('tessera-cpu', { timings, memory });
}

async function gpuPart(quick: boolean, allowSoftware: boolean): Promise<PartResult> {
  let adapter: string;
  try {
    await startWebGpu(allowSoftware);
    adapter = adapterLine((await sharedGpu()).report);
  } catch (e) {
    return partResult('tessera-webgpu', { unavailable: String((e as Error)?.message ?? e).split('\n')[0] });
  }
  const plan = quick ? QUICK_SECTION_PLAN : SECTION_PLAN;
  const counter = dispatchCounter();
  const timings = await fitTimings(plan, counter);
  return partResult(`tessera-webgpu (${adapter})`, { timings });
}

/** Runs the part named by `args` (what follows `--compiled-part`) and prints its result line. */
export async function runChildPart(args: readonly string[]): Promise<void> {
  const [part, ...flags] = args as [Part, ...string[]];
  const quick = flags.includes('--quick');
  const result =
    part === 'null'
      ? await nullPart(quick)
      : part === 'cpu'
      ? await cpuPart(quick)
      : await gpuPart(quick, flags.includes('--allow-software'));
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
