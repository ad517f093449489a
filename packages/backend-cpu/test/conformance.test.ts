import { runConformance } from '@tessera/conformance';
import { cpu } from '../src/index.js';

// The whole backend test kit against this backend as users get it (WebAssembly SIMD on
// unless TESSERA_WASM=0): forward cases, float64 finite-difference gradient checks, and
// random op chains. conformance-wasm.test.ts runs the kit with the two configurations
// set explicitly.
runConformance({ backend: cpu() });
