/**
 * @packageDocumentation
 * The `tessera` command line, also usable as a library: `main(argv, io)` and each command.
 */
export { main, help } from './main.js';
export { type Io, processIo } from './io.js';
export { CliError } from './errors.js';
export { loadPlugins, type CliPlugin } from './plugins.js';
export { train, trainSpec, type TrainSummary } from './commands/train.js';
export { evaluateCommand, evalSpec } from './commands/eval.js';
export { predictCommand, predictSpec, type Prediction } from './commands/predict.js';
export { exportCommand, exportSpec, type ExportSummary } from './commands/export.js';
export { infoCommand, infoSpec, packageVersions } from './commands/info.js';
export { benchCommand, benchSpec, type BenchRow } from './commands/bench.js';
export { modelNames, modelSpec, type ModelSpec } from './models.js';
export { datasetNames, datasetShape, loadDataset, channelStats, type LoadedData, type DataOptions } from './data.js';
export { renderReport, lineChart, heatmap, imageGrid, pngDataUri, type ReportData, type ReportImage, type ReportTest } from './report.js';
export {
  readImage,
  readPng,
  toGray,
  resize,
  prepareImage,
  type FloatImage,
  type PrepareImageOptions,
  type ReadImageOptions,
} from './image.js';
export { usage, parseCommand, type CommandSpec, type OptionSpec, type Parsed } from './args.js';
export { trainText, textTrainSpec, type TextTrainSummary } from './commands/train-text.js';
export { generateCommand, generateSpec } from './commands/generate.js';
