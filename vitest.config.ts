import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites spawn child processes and open LevelDB folders; forks isolate them best.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
})
