import { use, init } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { resnet } from '@tessera/models';
import { tesseraConvNetTrain } from './src/adapters/tessera-convnets.js';
import { randn, rng, labels } from './src/data.js';
use(cpu()); await init({ backends: ['cpu'] });
const next = rng(32);
const r = await tesseraConvNetTrain({
  name: 'resnet20',
  batch: 128,
  inChannels: 3,
  size: 32,
  x: randn(128 * 3 * 32 * 32, 1, next),
  y: labels(128, 10, next),
  threads: 2,
  zoo: () => resnet('resnet20'),
  seed: 20,
  lr: 0.1,
  momentum: 0.9,
});
for (let i = 0; i < 4; i++) {
  const t = performance.now();
  const o = await r.run();
  console.log(i, (performance.now() - t).toFixed(0), 'ms', o[0]);
}
