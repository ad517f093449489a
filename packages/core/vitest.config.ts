import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Core's tests need a backend, but core must not depend on one (the package graph
// points down only). Tests therefore load backend-cpu from source and alias core to
// this package's own source, so exactly one copy of core is live.
export default defineConfig({
  resolve: {
    alias: {
      '@tessera/core': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
      '@tessera/backend-cpu': fileURLToPath(new URL('../backend-cpu/src/index.ts', import.meta.url)),
    },
  },
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 120_000, hookTimeout: 120_000 },
});
