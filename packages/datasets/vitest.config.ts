import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    // Tests never touch the user's real dataset cache.
    env: { TESSERA_DATA_DIR: join(tmpdir(), `tessera-datasets-test-${process.pid}`) },
  },
});
