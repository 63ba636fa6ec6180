import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    // a first Kafka start downloads the broker from Maven Central (minutes on a slow network)
    hookTimeout: 15 * 60_000,
    globalSetup: ['test/global-setup.ts'],
    // The files spawn CLI processes and a second broker: on 2 shared cores, one file at a time
    // keeps timings (session timeouts, restarts) predictable.
    fileParallelism: false,
  },
});
