/**
 * @packageDocumentation
 * Tessera to PyTorch: `exportPytorch(model, exampleInput)` writes a model as a Python file
 * defining an equivalent `torch.nn.Module` (state-dict names unchanged) plus its safetensors
 * weights, the bridge to PyTorch's distributed training (DDP, FSDP).
 */
export { exportPytorch, type ExportPytorchOptions, type PytorchExport } from './export.js';
export { PytorchExportError } from './errors.js';
