export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export * from './backend.js';
export * from './primitives.js';
export * from './rng.js';
export * from './plugin-types.js';
export type * from './op.js';
