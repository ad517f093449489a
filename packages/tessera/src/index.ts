/**
 * @packageDocumentation
 * `tessera`: the front door. Everything of @tessera/core at the top level (tensors, ops,
 * autograd, `compile`, memory scopes, the plugin API), the two backends' plugins, `fit` and
 * its friends, and the other packages as namespaces: `nn` (layers and losses), `optim`,
 * `data` (datasets, loaders, transforms), `models` (the zoo), `onnx` (ONNX export) and `train` (all of
 * @tessera/train, including Keras-style `train.compile`). Node-only helpers (dataset files,
 * checkpoint files) are in `tessera/node`; `import 'tessera/register'` installs both backends;
 * `tessera/worker` runs `fit` in a Web Worker or a Node worker thread.
 *
 * @example
 * import { tensor, nn, optim, fit, cpu, use } from 'tessera';
 * use(cpu());
 * const net = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 2));
 * await fit(net, { x, y }, { loss: 'crossEntropy', optimizer: new optim.SGD(net.parameters(), { lr: 0.5 }), epochs: 100 });
 */
export * from '@tessera/core';
export {
  cpu,
  /**
   * The CPU backend's thread count for large GEMMs (Node worker threads, or Web Workers in a
   * cross-origin isolated page); call before `init()`.
   */
  setThreads,
  type CpuOptions,
} from '@tessera/backend-cpu';
export {
  webgpu,
  /** Compiles the WebGPU backend's common pipelines ahead of the first step, so the first batches do not stall. */
  warmup,
  type WebGpuOptions,
} from '@tessera/backend-webgpu';
export { fit, evaluate, predict, type FitOptions, type EvaluateOptions, type History, type Logs, type Callback } from '@tessera/train';
export * as nn from '@tessera/layers';
export * as optim from '@tessera/optim';
export * as data from '@tessera/datasets';
export * as models from '@tessera/models';
export * as onnx from '@tessera/onnx';
export * as train from '@tessera/train';
