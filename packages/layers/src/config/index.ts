/**
 * Module configs: how a module is rebuilt by name (`getConfig`, `registerModule`,
 * `moduleFromConfig`), and model files that carry their architecture (`saveModel`).
 */
export { describeModule, type ModuleConfig, type DescribeOptions } from './record.js';
export { registerModule, moduleNames, moduleFromConfig, type ModuleFactory, type BuildModule } from './registry.js';
export type { JsonValue } from './json.js';
export {
  saveModel,
  loadModel,
  modelOfFile,
  readModelConfig,
  MODEL_FORMAT_KEY,
  MODEL_CONFIG_KEY,
  MODEL_FORMAT_VERSION,
  type LoadModelOptions,
} from './model-file.js';
