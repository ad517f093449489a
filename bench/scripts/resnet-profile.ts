/**
 * Time and per-kernel breakdown of the two ResNet goals of issue 24 on Tessera's CPU backend:
 * ResNet-18 inference (224², batch 1, eval, batch norms folded) and one CIFAR ResNet-20
 * training step (batch 128, SGD with momentum).
 * `npx tsx scripts/resnet-profile.ts [r18|r20|both] [runs]`; `TESSERA_PROFILE=0` skips the
 * per-kernel table (kernels are then not wrapped). Kernel times are wall time per call
 * (kernels are synchronous, the worker threads run inside them).
 */
import { cpu } from '@tessera/backend-cpu';
import { type AnyKernel, type BackendPlugin, init, manualSeed, noGrad, randint, randn, tidy, use } from '@tessera/core';
import { crossEntropyLoss, fuseBatchNorm } from '@tessera/layers';
import { resnet } from '@tessera/models';
import { SGD } from '@tessera/optim';

const [which = 'both', runsArg = '5'] = process.argv.slice(2);
const runs = Number(runsArg);
const profile = process.env.TESSERA_PROFILE !== '0';
const plugin = cpu({ winograd: process.env.TESSERA_WINOGRAD !== '0' });
const impl = plugin.createSync!();
const totals = new Map<string, { ms: number; calls: number }>();
let on = false;
if (profile) {
  const kernels = impl.kernels as Record<string, AnyKernel>;
  for (const [name, k] of Object.entries(kernels)) {
    kernels[name] = ((ctx: Parameters<AnyKernel>[0]) => {
      if (!on) return k(ctx);
      const t0 = performance.now();
      const r = k(ctx);
      const dt = performance.now() - t0;
      const key = `${name} ${ctx.inputs.map((t) => `[${t.shape.join(',')}]`).join(' ')}`;
      const e = totals.get(key) ?? { ms: 0, calls: 0 };
      e.ms += dt;
      e.calls++;
      totals.set(key, e);
      return r;
    }) as AnyKernel;
  }
}
const wrapped: BackendPlugin = { ...plugin, create: async () => impl, createSync: () => impl };
use(wrapped);
await init();
manualSeed(0);

async function measure(label: string, work: number, step: () => Promise<void>): Promise<void> {
  for (let i = 0; i < 2; i++) await step();
  totals.clear();
  on = profile;
  const wall: number[] = [];
  let cpuMin = Infinity;
  for (let i = 0; i < runs; i++) {
    const [t0, c0] = [performance.now(), process.cpuUsage()];
    await step();
    wall.push(performance.now() - t0);
    const dc = process.cpuUsage(c0);
    cpuMin = Math.min(cpuMin, (dc.user + dc.system) / 1000);
  }
  on = false;
  wall.sort((a, b) => a - b);
  const med = wall[Math.floor(wall.length / 2)]!;
  console.log(`${label}: median ${med.toFixed(1)} ms, min ${wall[0]!.toFixed(1)} ms (${((work * 1000) / med).toFixed(1)} ` +
    `samples/s), process CPU min ${cpuMin.toFixed(0)} ms${profile ? ' [kernels wrapped]' : ''}`);
  if (!profile) return;
  const byOp = new Map<string, number>();
  let sum = 0;
  for (const [key, e] of totals) {
    const op = key.split(' ')[0]!;
    byOp.set(op, (byOp.get(op) ?? 0) + e.ms / runs);
    sum += e.ms / runs;
  }
  console.log(`  kernels ${sum.toFixed(1)} ms per step; by op:`);
  for (const [op, ms] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 16)) console.log(`  ${ms.toFixed(2).padStart(8)} ms  ${op}`);
  console.log('  top kernels (ms/step, calls/step):');
  for (const [key, e] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`  ${(e.ms / runs).toFixed(2).padStart(8)}  ×${e.calls / runs}  ${key}`);
  }
}

if (which === 'r18' || which === 'both') {
  const net = resnet('resnet18');
  const x = randn([1, 3, 224, 224]);
  await fuseBatchNorm(net, x);
  await measure('resnet18 infer b1', 1, async () => {
    const y = tidy(() => noGrad(() => net.call(x)));
    await y.data();
    y.dispose();
  });
}

if (which === 'r20' || which === 'both') {
  const net = resnet('resnet20');
  net.train();
  const opt = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = randn([128, 3, 32, 32]);
  const y = randint(0, 10, [128], { dtype: 'int32' });
  await measure('resnet20 train b128', 128, async () => {
    const loss = tidy(() => crossEntropyLoss(net.call(x), y));
    loss.backward();
    opt.step();
    opt.zeroGrad();
    await loss.data();
    loss.dispose();
  });
}
