/**
 * Safetensors I/O (pure TypeScript, Node and browser): encode and decode named tensors,
 * inspect a header, save and load a module's weights. File helpers that write atomically
 * live in `@tessera/layers/node`.
 */
export { encodeSafetensors, encodeSafetensorsAsync, type SafetensorsMetadata } from './encode.js';
export { decodeSafetensors, type DecodeOptions, type DecodedSafetensors } from './decode.js';
export { readSafetensorsHeader, MAX_HEADER_BYTES, type SafetensorsEntry, type SafetensorsHeader } from './header.js';
export { saveWeights, saveWeightsAsync, loadWeights, type LoadWeightsOptions } from './weights.js';
export type { SafetensorsDType } from './wire.js';
export * from './torch/index.js';
