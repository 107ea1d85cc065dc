import { defineConfig } from 'vitest/config';

// Only for scripts/fuzz.sh: the budgeted fuzz loops, which npm test does not run.
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.ts'],
    testTimeout: 0,
    pool: 'forks',
    maxWorkers: 1,
  },
});
