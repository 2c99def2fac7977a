import { defineConfig } from 'vitest/config';

// Tests and properties share one runner. Properties carry their own fast-check budgets, sized so
// the whole suite stays under three minutes on two cores (DEVELOPERS.md); long runs are `mpcheck fuzz`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'threads',
    reporters: ['default'],
    coverage: { provider: 'v8', include: ['src/**'] },
  },
});
