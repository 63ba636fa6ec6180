import { isEdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import { SpecParseError } from './errors.js';

describe('SpecParseError', () => {
  it('is an invalid-config EdgeplaneError with a compiler-style message', () => {
    const error = new SpecParseError({
      file: 'conf/spec.kv',
      line: 12,
      column: 5,
      key: 'single_ring.shards',
      detail: 'single_ring.shards: expected a decimal integer ≥ 1, got "two"',
      hint: 'write single_ring.shards=1',
    });
    expect(error.message).toBe(
      'conf/spec.kv:12:5: single_ring.shards: expected a decimal integer ≥ 1, got "two"',
    );
    expect(error.name).toBe('SpecParseError');
    expect(error.code).toBe('invalid-config');
    expect(error.component).toBe('spec-kv');
    expect(error.detail).toBe('single_ring.shards: expected a decimal integer ≥ 1, got "two"');
    expect(error.hint).toBe('write single_ring.shards=1');
    expect([error.file, error.line, error.column, error.key]).toEqual([
      'conf/spec.kv',
      12,
      5,
      'single_ring.shards',
    ]);
    expect(error.details).toEqual({
      file: 'conf/spec.kv',
      line: 12,
      column: 5,
      key: 'single_ring.shards',
    });
    expect(isEdgeplaneError(error)).toBe(true);
    expect(error.retryable).toBe(false);
  });
});
