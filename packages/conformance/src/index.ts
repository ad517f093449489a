/**
 * @tessera/conformance — the backend test kit. One call registers vitest suites that
 * check a backend against the CPU reference:
 *
 * @example
 * import { runConformance } from '@tessera/conformance';
 * import { myBackend } from '../src/index.js';
 * runConformance({ backend: myBackend() });
 *
 * Outside vitest, import the building blocks from `@tessera/conformance/lib`.
 */
export { runConformance, type ConformanceOptions } from './run.js';
export * from './lib.js';
