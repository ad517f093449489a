/**
 * `import 'tessera/register'`: installs the WebGPU and CPU backends in one line, so that
 * `await init()` starts WebGPU where an adapter exists and the CPU otherwise (and tensors
 * made before `init()` use the CPU, which starts synchronously).
 */
import { backends, use } from '@tessera/core';
import { cpu } from '@tessera/backend-cpu';
import { webgpu } from '@tessera/backend-webgpu';

const have = new Set(backends());
if (!have.has('webgpu')) use(webgpu());
if (!have.has('cpu')) use(cpu());
