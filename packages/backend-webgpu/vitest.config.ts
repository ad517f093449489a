import { defineConfig } from 'vitest/config';

// Dawn (the `webgpu` package) is a native module: the forks pool gives each test file its
// own process, which keeps the GPU object alive for the whole file and tears it down cleanly
// (worker threads sharing one Dawn instance are not reliable).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
