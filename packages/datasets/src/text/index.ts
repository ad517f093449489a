export * from './vocab.js';
export * from './batch.js';
export * from './split.js';
export * from './cmudict.js';
export * from './names.js';
export * from './text-split.js';
export * from './bucket.js';
