import { defineConfig } from 'vitest/config';

// Unit tests of the bench helpers (bench/lib) only: the benches themselves are not timed tests.
export default defineConfig({ test: { include: ['test/**/*.test.mjs'], testTimeout: 30_000 } });
