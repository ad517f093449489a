import { runConformance } from '@tessera/conformance';
import { cpu } from '../src/index.js';

// The kit with WebAssembly off (what TESSERA_WASM=0 gives): the TypeScript kernels alone.
runConformance({ backend: cpu({ wasm: false }) });
