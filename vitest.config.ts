import { defineConfig } from 'vitest/config';

// Integration tests start their own redis-servers; two cores, so keep parallelism modest.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30000,
    hookTimeout: 30000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
