import { defineConfig } from 'vitest/config';

// One file whose steps share a temporary project, run in order; packing and installing take
// most of the time.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 120_000, hookTimeout: 180_000 },
});
