import { runConformance } from '@tessera/conformance';
import { use } from '@tessera/core';
import { cpu } from '../src/index.js';

// The kit's reference is the backend named 'cpu'. Installing it first with wasm off makes
// the TypeScript kernels the reference, and the backend under test, 'cpu-wasm', runs
// float32 matmul and conv on the WebAssembly GEMM: every forward case, float32 gradient
// and op chain is then compared wasm against TypeScript.
use(cpu({ wasm: false }));
runConformance({ backend: cpu({ wasm: true, name: 'cpu-wasm' }) });
