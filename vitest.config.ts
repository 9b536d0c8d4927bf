import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Strategy modules written by tests import from 'shoal' as users' files do (the CLI maps it with a loader hook).
  resolve: { alias: { shoal: fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts', 'marbles/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    globalSetup: ['test/setup/postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**', 'actors/**', 'streams/**'],
      // The dashboard's browser files run in Chromium, not under V8 coverage here.
      exclude: ['src/http/page/**'],
      reporter: ['text-summary', 'text', 'json-summary'],
    },
  },
})
