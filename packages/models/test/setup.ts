import { afterEach, beforeEach } from 'vitest';

/**
 * Lets the worker's event loop reach its I/O phase around every test. Building and
 * stepping the big models is synchronous work measured in seconds; without a macrotask
 * break, vitest's worker cannot read the main process's RPC replies and reports
 * "Timeout calling onTaskUpdate" after 60 s of a file's tests, failing the run.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));
beforeEach(breathe);
afterEach(breathe);
