import type { AnyModule } from '../module.js';
import type { LoadStateDictOptions, LoadStateDictResult, StateDict } from '../state.js';
import { type DecodeOptions, decodeSafetensors } from './decode.js';
import { type SafetensorsMetadata, encodeSafetensors, encodeSafetensorsAsync } from './encode.js';

/**
 * A module's parameters and buffers (`module.stateDict()`, PyTorch's names and layouts)
 * as safetensors bytes, synchronously (CPU backend). `saveWeightsAsync` works everywhere.
 *
 * @example
 * const bytes = saveWeights(net, { format: 'pt' });
 * // Node: await writeFile('net.safetensors', bytes), or saveSafetensorsFile from '@tessera/layers/node'
 */
export function saveWeights(module: AnyModule, metadata?: SafetensorsMetadata): Uint8Array {
  return encodeSafetensors(module.stateDict(), metadata);
}

/** `saveWeights` for any backend (reads the weights back with `await t.data()`). */
export function saveWeightsAsync(module: AnyModule, metadata?: SafetensorsMetadata): Promise<Uint8Array> {
  return encodeSafetensorsAsync(module.stateDict(), metadata);
}

/** Options of `loadWeights`: `loadStateDict`'s (`strict`) plus where to decode. */
export interface LoadWeightsOptions extends LoadStateDictOptions, DecodeOptions {}

/**
 * Loads safetensors bytes into a module in place (`module.loadStateDict`): strict by
 * default, so missing or unexpected keys and wrong shapes throw a `StateDictError` that
 * lists them; `{ strict: false }` loads the keys both have. Values are cast to each
 * parameter's dtype (F16 weights into float32 parameters, I64 counters into int32
 * buffers). The decoded tensors are freed afterwards.
 *
 * @example
 * const net = new Net();
 * loadWeights(net, bytes);                      // every key must match
 * loadWeights(backbone, bytes, { strict: false }); // transfer learning
 */
export function loadWeights(module: AnyModule, bytes: Uint8Array | ArrayBufferLike, opts: LoadWeightsOptions = {}): LoadStateDictResult {
  return loadDecoded(module, decodeSafetensors(bytes, opts).tensors, opts);
}

/** @internal Loads decoded tensors into a module, then frees them whatever happens. */
export function loadDecoded(module: AnyModule, tensors: StateDict, opts: LoadStateDictOptions): LoadStateDictResult {
  try {
    return module.loadStateDict(tensors, opts);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
