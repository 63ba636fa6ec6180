import { describe, expect, it } from 'vitest';
import { exitCodeForFailure } from '../src/exit-codes.js';

describe('exitCodeForFailure: by the error code, whenever it happened', () => {
  it('2 for what the operator must fix: refusals, a permanently refused message, bad config', () => {
    for (const during of ['open', 'run'] as const) {
      expect(exitCodeForFailure('unauthenticated', during)).toBe(2);
      expect(exitCodeForFailure('permission-denied', during)).toBe(2);
      expect(exitCodeForFailure('not-found', during)).toBe(2);
      expect(exitCodeForFailure('invalid-input', during)).toBe(2);
      expect(exitCodeForFailure('too-large', during)).toBe(2);
    }
  });
  it('1 for the rest: unavailable, timeout, internal', () => {
    expect(exitCodeForFailure('unavailable', 'open')).toBe(1);
    expect(exitCodeForFailure('unavailable', 'run')).toBe(1);
    expect(exitCodeForFailure('timeout', 'run')).toBe(1);
    expect(exitCodeForFailure('internal', undefined)).toBe(1);
  });
});
