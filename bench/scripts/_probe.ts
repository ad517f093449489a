import { init, use, getBackend, randn, tensor, randint, memory } from '@tessera/core';
import { webgpu } from '@tessera/backend-webgpu';
import { mnistCnn, mlp } from '@tessera/models';
import { SGD } from '@tessera/optim';
import { fit } from '@tessera/train';
use(webgpu({ nodeFlags: ['backend=null'] }));
await init({ backends: ['webgpu'] });
const b = getBackend('webgpu');
console.log(b.info?.());
const net = mnistCnn();
const n = 2000;
const x = randn([n, 1, 28, 28]);
const y = randint(0, 10, [n], { dtype: 'int32' });
for (const compile of [false, true]) {
  const t0 = performance.now(); const d0 = Number(b.info!().dispatches);
  const h = await fit(net, { x, y }, { loss: 'crossEntropy', optimizer: new SGD(net.parameters(), { lr: 0.1 }), batchSize: 100, epochs: 3, compile });
  console.log(compile, (performance.now()-t0)/60, (Number(b.info!().dispatches)-d0)/60, h.compile, h.history.loss);
}
console.log(memory());
