import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
    coverage: {
      provider: 'v8',
      // Only code the tests load in their own processes counts: relays spawned as child processes run dist/, unmeasured.
      include: ['src/**/*.ts'],
      // Browser-only code runs in Chromium (test/browser, test/transport/browser-client.test.ts), where coverage is not measured.
      // So do the React hooks (test/browser/react-hooks.test.ts); their stores are measured here (test/react).
      exclude: [
        'src/storage/indexeddb/**',
        'src/**/*.browser.ts',
        'src/sea/browser-session.ts',
        'src/transport/tab-*.ts',
        'src/react/{use-*,context,index}.ts',
      ],
      reporter: ['text-summary', 'json-summary'],
      // The gate: a change that leaves code untested lowers these and fails `npm test`. Raise them as coverage grows.
      thresholds: { statements: 84, branches: 78, functions: 83, lines: 87 },
    },
  },
})
