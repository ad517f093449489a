/**
 * One-line convenience: `import '@tessera/backend-cpu/register'` installs the CPU backend.
 * Prefer the explicit `use(cpu())` in libraries; this side-effect import is for apps.
 */
import { use } from '@tessera/core';
import { cpu } from './index.js';

use(cpu());
