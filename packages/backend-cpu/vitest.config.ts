import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// backend-cpu runs the conformance kit in its own tests. The kit depends on backend-cpu
// (the CPU is its reference), so it is loaded from source here instead of as a package
// dependency, which would be a cycle; both resolve backend-cpu to this source tree.
export default defineConfig({
  resolve: {
    alias: {
      '@tessera/conformance': fileURLToPath(new URL('../conformance/src/index.ts', import.meta.url)),
      '@tessera/backend-cpu': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 120_000, hookTimeout: 120_000 },
});
