import { describe, expect, it } from 'vitest';
import { mapRequestError, mapStatus, parseRetryAfter } from './errors.js';

const ctx = { action: 'POST to 127.0.0.1:9/in (http)', server: '127.0.0.1:9' };
const withCode = (code: string) => Object.assign(new Error('x'), { code });

describe('mapStatus (statuses)', () => {
  it.each([
    [500, 'retry', 'unavailable'],
    [503, 'retry', 'unavailable'],
    [429, 'retry', 'unavailable'],
    [408, 'retry', 'timeout'],
    [504, 'retry', 'timeout'],
    [401, 'fail', 'unauthenticated'],
    [403, 'fail', 'permission-denied'],
    [404, 'fail', 'not-found'],
    [405, 'fail', 'invalid-config'],
    [302, 'fail', 'invalid-config'],
    [413, 'reject', 'too-large'],
    [400, 'reject', 'invalid-input'],
    [422, 'reject', 'invalid-input'],
  ] as const)('%i → %s %s', (status, kind, code) => {
    const o = mapStatus(status, 'said', ctx);
    expect(o.kind).toBe(kind);
    expect(o.error.code).toBe(code);
    expect(o.error.message).toBe(
      `[transport:http] POST to 127.0.0.1:9/in (http) answered ${status}: said`,
    );
  });
});

describe('mapRequestError (undici and socket errors)', () => {
  it.each([
    ['ECONNREFUSED', 'unavailable', 'connection refused'],
    ['ECONNRESET', 'unavailable', 'connection reset'],
    ['UND_ERR_SOCKET', 'unavailable', 'closed before the response'],
    ['UND_ERR_CONNECT_TIMEOUT', 'unavailable', 'connect timed out'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout', 'no response headers'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout', 'stalled'],
  ])('%s → %s', (code, expected, text) => {
    const e = mapRequestError(withCode(code), ctx);
    expect(e.code).toBe(expected);
    expect(e.message).toContain(text);
  });

  it('a TLS problem is a permanent tls error naming the option', () => {
    const e = mapRequestError(withCode('CERT_HAS_EXPIRED'), ctx);
    expect(e.code).toBe('tls');
    expect(e.retryable).toBe(false);
  });

  it('an unknown error is unavailable, by name, without its message', () => {
    const e = mapRequestError(new TypeError('secret text'), ctx);
    expect(e.code).toBe('unavailable');
    expect(e.message).not.toContain('secret text');
  });
});

describe('parseRetryAfter', () => {
  it('seconds, HTTP dates, junk, and the cap', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('99999')).toBe(600_000);
  });
});
