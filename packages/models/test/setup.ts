import { afterEach, beforeEach } from 'vitest';

/**
 * Lets the worker's event loop reach its I/O phase around every test. Building and
 * stepping the big models is synchronous work measured in seconds (a minute for VGG-19 on
 * a loaded machine). vitest reports each test's start to the main process just before
 * running it and fails the run with "Timeout calling onTaskUpdate" when the reply is not
 * read within 60 s; a short pause before each test lets that reply arrive first, and a
 * macrotask break after each test keeps the file from starving the worker's I/O.
 */
beforeEach(() => new Promise<void>((resolve) => setTimeout(resolve, 25)));
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
