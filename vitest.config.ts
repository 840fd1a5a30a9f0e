import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Scenario tests start servers and databases; two cores do best with two at a time.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
