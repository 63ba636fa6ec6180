import { defineConfig } from 'vitest/config';

// Acceptance runs over real data outside the repository (scripts/acceptance/*.sh pass its path):
// not part of `pnpm test`, which must pass on a clone without ../shared.
export default defineConfig({
  test: { include: ['test/acceptance/**/*.accept.ts'], testTimeout: 120_000 },
});
