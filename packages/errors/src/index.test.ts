import { describe, expect, it } from 'vitest';
import { EdgeplaneError, isEdgeplaneError } from './index.js';

describe('EdgeplaneError', () => {
  it('prefixes the component and keeps code, hint and details', () => {
    const e = new EdgeplaneError('invalid-config', 'spec-kv', 'bad key', {
      hint: 'fix it',
      details: { key: 'x' },
    });
    expect(e.message).toBe('[spec-kv] bad key');
    expect(e.code).toBe('invalid-config');
    expect(e.hint).toBe('fix it');
    expect(e.details).toEqual({ key: 'x' });
    expect(e.retryable).toBe(false);
  });
  it('marks unavailable and timeout retryable', () => {
    expect(new EdgeplaneError('unavailable', 'x', 'y').retryable).toBe(true);
    expect(new EdgeplaneError('timeout', 'x', 'y').retryable).toBe(true);
  });
  it('recognises branded objects and wraps foreign errors', () => {
    const e = EdgeplaneError.from(new Error('boom'), 'transport:file', 'unavailable');
    expect(isEdgeplaneError(e)).toBe(true);
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe('[transport:file] boom');
    expect(isEdgeplaneError(new Error('x'))).toBe(false);
    expect(EdgeplaneError.from(e, 'other')).toBe(e);
    expect(JSON.stringify(Object.keys(e))).not.toContain('edgeplane.error');
  });
});
