import { describe, expect, it } from 'vitest';
import { exitCodeForFailure } from '../src/exit-codes.js';

describe('exitCodeForFailure', () => {
  it('while opening: the code decides (2 for configuration problems and refusals, 1 for unavailable)', () => {
    expect(exitCodeForFailure('not-found', 'open')).toBe(2);
    expect(exitCodeForFailure('permission-denied', 'open')).toBe(2);
    expect(exitCodeForFailure('unavailable', 'open')).toBe(1);
  });
  it('while running: 2 for a refusal (unauthenticated, permission-denied), else 1', () => {
    expect(exitCodeForFailure('unauthenticated', 'run')).toBe(2);
    expect(exitCodeForFailure('permission-denied', 'run')).toBe(2);
    expect(exitCodeForFailure('invalid-input', 'run')).toBe(1);
    expect(exitCodeForFailure('unavailable', 'run')).toBe(1);
    expect(exitCodeForFailure('internal', undefined)).toBe(1);
  });
});
