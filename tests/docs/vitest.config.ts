import { defineConfig } from 'vitest/config';

// Type-checking every README block is one TypeScript program (a few seconds); runnable
// blocks train small models.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 180_000, hookTimeout: 180_000 },
});
