/**
 * One-line convenience: `import '@tessera/backend-webgpu/register'` installs the WebGPU
 * backend (then `await init()`). Prefer the explicit `use(webgpu())` in libraries.
 */
import { use } from '@tessera/core';
import { webgpu } from './index.js';

use(webgpu());
