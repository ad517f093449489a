export * from './convert.js';
export * from './creation.js';
export * from './unary.js';
export * from './binary.js';
export * from './reduce.js';
export * from './linalg.js';
export * from './movement.js';
export * from './nn.js';
