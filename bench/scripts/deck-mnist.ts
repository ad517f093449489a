/**
 * The lecture deck's measure (issue 15; ../shared/seeds/004_f7e13f05db4e6110.txt: "≃ 7 s on
 * a GTX1080" with PyTorch): 10 epochs of 600 batches of 100 over 60,000 MNIST-sized
 * (1×28×28) images already on the device, mnistCnn, SGD lr 0.1, through `fit` on WebGPU.
 * Prints the wall time of the whole fit call (tracing and pipeline compilation included),
 * each epoch's time, and samples/s over all epochs and over the epochs after the first;
 * then the same for the MLP 784-256-256-10 at batch 128 on the same images.
 * The images are seeded random normals (the timing does not depend on their values).
 *
 *   npx tsx scripts/deck-mnist.ts                                   # the deck's measure on a GPU
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npx tsx scripts/deck-mnist.ts --epochs 1 --batches 5
 *   npx tsx scripts/deck-mnist.ts --backend=cpu --epochs=1 --batches=3   # or null: Dawn's null backend
 */
import os from 'node:os';
import { getBackend, init, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';
import { SGD } from '@tessera/optim';
import { fit, type Callback } from '@tessera/train';
import { adapterLine, sharedGpu } from '../src/adapters/gpu.js';
import { startWebGpu } from '../src/adapters/tessera.js';
import { parseDeckArgs, type DeckOptions } from '../src/compiled/deck-args.js';
import { NETS, SECTION_LR, deviceData, type NetSpec } from '../src/compiled/nets.js';
import { fmtLoad } from '../src/compiled/report.js';

/** The deck's batch of 100 (the CNN's bench batch). */
const DECK_BATCH = 100;

async function start(o: DeckOptions): Promise<string> {
  if (o.backend === 'cpu') {
    use(cpu());
    await init({ backends: ['cpu'] });
    return 'tessera-cpu';
  }
  if (o.backend === 'null') {
    use(webgpu({ nodeFlags: ['backend=null'] }));
    await init({ backends: ['webgpu'] });
    return 'webgpu on Dawn null backend (no GPU work: host cost only)';
  }
  const detail = await startWebGpu(true);
  return `webgpu: ${adapterLine((await sharedGpu()).report)}; ${detail}`;
}

async function train(spec: NetSpec, images: number, o: DeckOptions): Promise<void> {
  const net = spec.make();
  // The deck's 60,000 images: whole batches of 100, on the device before training starts.
  // (The MLP flattens them; at batch 128 its last batch is smaller and traces once more.)
  const data = deviceData({ ...spec, example: NETS.cnn.example, batch: DECK_BATCH }, images / DECK_BATCH);
  await getBackend(o.backend === 'cpu' ? 'cpu' : 'webgpu').sync?.();
  const epochMs: number[] = [];
  let t0 = 0;
  const timer: Callback = {
    onEpochBegin: () => void (t0 = performance.now()),
    onEpochEnd: (epoch, logs) => {
      epochMs.push(performance.now() - t0);
      process.stderr.write(`  epoch ${epoch + 1}: ${epochMs[epoch].toFixed(0)} ms, loss ${logs.loss?.toFixed(4)}\n`);
    },
  };
  const start = performance.now();
  const h = await fit(net, data, {
    loss: 'crossEntropy',
    optimizer: new SGD(net.parameters(), { lr: SECTION_LR }),
    batchSize: spec.batch,
    epochs: o.epochs,
    compile: o.compile,
    callbacks: [timer],
    nanGuard: o.backend !== 'null', // nothing computes on the null backend: losses are garbage
  });
  const wall = (performance.now() - start) / 1000; // fit reads the loss back at every epoch end: all GPU work is done
  const steady = epochMs.slice(1).reduce((a, b) => a + b, 0) / 1000;
  const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')} samples/s`;
  console.log(
    `${spec.label}, batch ${spec.batch}, ${o.epochs} epoch(s) of ${images.toLocaleString('en-US')} images, compile ${o.compile}:`,
  );
  console.log(
    `  wall ${wall.toFixed(2)} s for the whole fit (${rate(images * o.epochs, wall)})` +
      (o.epochs > 1 ? `; epochs 2..${o.epochs}: ${rate(images * (o.epochs - 1), steady)}` : ''),
  );
  const compiled = h.compile
    ? `${h.compile.traces} trace(s), ${h.compile.replays} replays, ${h.compile.deviceReplays} device replays`
    : 'none (eager)';
  console.log(`  compiled step: ${compiled} · ${fmtLoad(os.loadavg())}`);
  data.x.dispose();
  data.y.dispose();
}

const o = parseDeckArgs(process.argv.slice(2));
console.log(`deck-mnist on ${await start(o)} · ${fmtLoad(os.loadavg())}`);
const images = o.batches * DECK_BATCH;
await train(NETS.cnn, images, o);
if (o.mlp) await train(NETS.mlp, images, o);
console.log('deck: 10 epochs of 60,000 in ≈7 s on a GTX 1080 (PyTorch)');
process.exit(0);
