import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    // a first Kafka start downloads the broker from Maven Central (minutes on a slow network)
    hookTimeout: 15 * 60_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
