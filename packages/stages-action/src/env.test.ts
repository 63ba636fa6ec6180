import { describe, expect, it } from 'vitest';
import { isAllowedUrl, parseActionEnv } from './index.js';

describe('parseActionEnv', () => {
  it('has safe defaults: nothing allowed, 10 s time-out, 3 retries from 100 ms', () => {
    expect(parseActionEnv({})).toEqual({
      httpPostAllowlist: [],
      httpPostTimeoutMs: 10_000,
      maxRetries: 3,
      retryBaseMs: 100,
      execAllowlist: [],
    });
  });

  it('reads comma-separated lists, ignoring blanks', () => {
    const s = parseActionEnv({
      BYTEOR_HTTP_POST_ALLOWLIST: ' https://a.example/hooks/ ,,http://127.0.0.1:8080 ',
      BYTEOR_EXEC_ALLOWLIST: '/usr/bin/logger,/bin/sh',
    });
    expect([s.httpPostAllowlist, s.execAllowlist]).toEqual([
      ['https://a.example/hooks/', 'http://127.0.0.1:8080'],
      ['/usr/bin/logger', '/bin/sh'],
    ]);
  });

  it.each([
    ['5', 5000],
    ['2.5', 2500],
    ['10s', 10_000],
    ['750ms', 750],
    [' 1 s ', 1000],
  ])('BYTEOR_HTTP_POST_TIMEOUT=%j is %i ms (bare numbers are seconds)', (value, ms) => {
    expect(parseActionEnv({ BYTEOR_HTTP_POST_TIMEOUT: value }).httpPostTimeoutMs).toBe(ms);
  });

  it.each([
    ['BYTEOR_HTTP_POST_TIMEOUT', 'soon'],
    ['BYTEOR_HTTP_POST_TIMEOUT', '0'],
    ['BYTEOR_HTTP_POST_TIMEOUT', '5m'],
    ['BYTEOR_ACTION_MAX_RETRIES', '-1'],
    ['BYTEOR_ACTION_MAX_RETRIES', '1.5'],
    ['BYTEOR_ACTION_RETRY_BASE_MS', 'fast'],
  ])('refuses %s=%j with invalid-config naming the variable', (name, value) => {
    expect(() => parseActionEnv({ [name]: value })).toThrow(
      `[stages-action] invalid ${name}=${JSON.stringify(value)}: expected`,
    );
  });
});

describe('isAllowedUrl', () => {
  const list = ['https://hooks.example.com', 'http://127.0.0.1:9000/in/'];
  it.each([
    ['https://hooks.example.com', true],
    ['https://hooks.example.com/a/b', true],
    ['https://hooks.example.com?x=1', true],
    ['https://hooks.example.com.evil.net/', false],
    ['https://hooks.example.comx/', false],
    ['http://127.0.0.1:9000/in/x', true],
    ['http://127.0.0.1:9000/other', false],
    ['http://127.0.0.1:90001/in/', false],
    ['https://other.example.com/', false],
  ])('%s -> %s', (url, allowed) => {
    expect(isAllowedUrl(url, list)).toBe(allowed);
  });
  it('an empty list allows nothing', () => expect(isAllowedUrl('https://x/', [])).toBe(false));
});
