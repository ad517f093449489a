/**
 * Prints the kernel calls of one compiled training step per net on WebGPU (Dawn's null
 * backend): `pnpm -C bench exec tsx src/compiled/calls-probe.ts` (SGD), or with `adam` as the
 * argument for Adam.
 */
import { compile, init, use, getBackend, type Tensor } from '@tessera/core';
import { webgpu } from '@tessera/backend-webgpu';
import { crossEntropyLoss } from '@tessera/layers';
import { Adam, SGD } from '@tessera/optim';
import { NETS, deviceData } from './nets.js';

use(webgpu({ nodeFlags: ['backend=null'] }));
await init({ backends: ['webgpu'] });
for (const spec of Object.values(NETS)) {
  const net = spec.make();
  const opt = process.argv[2] === 'adam' ? new Adam(net.parameters(), { lr: 1e-3 }) : new SGD(net.parameters(), { lr: 0.1 });
  const step = compile((x: Tensor, y: Tensor) => {
    opt.zeroGrad();
    const loss = crossEntropyLoss(net.call(x), y);
    loss.backward();
    opt.step();
    return loss.detach();
  });
  const { x, y } = deviceData(spec, 1);
  const info = () => Number(getBackend('webgpu').info!().dispatches);
  for (let i = 0; i < 3; i++) step(x, y).dispose();
  const a = info();
  step(x, y).dispose();
  console.log(spec.label, 'dispatches', info() - a, 'calls', step.stats.calls.length);
  step.stats.calls.forEach((c, i) => console.log(`  ${i + 1}. ${c}`));
}
process.exit(0);
