import { describe, expect, it } from 'vitest';
import { agentReportUrl, parseReportingEnv, parseRetryAfter } from './index.js';

const FULL = {
  BYTEOR_API_BASE_URL: 'https://api.example.com/',
  BYTEOR_AGENT_ID: 'a1',
  BYTEOR_AGENT_API_KEY: 'k-123456',
};

describe('parseReportingEnv', () => {
  it('reads the three variables and the default intervals', () => {
    expect(parseReportingEnv(FULL)).toEqual({
      active: true,
      baseUrl: 'https://api.example.com',
      agentId: 'a1',
      apiKey: 'k-123456',
      heartbeatIntervalSecs: 30,
      snapshotIntervalSecs: 10,
      warnings: [],
    });
  });

  it('accepts fractional intervals and keeps a path prefix of the base URL', () => {
    const config = parseReportingEnv({
      ...FULL,
      BYTEOR_API_BASE_URL: 'https://gw.example.com/byteor//',
      BYTEOR_HEARTBEAT_INTERVAL_SECS: '0.25',
      BYTEOR_SNAPSHOT_INTERVAL_SECS: ' 2.5 ',
    });
    expect(config).toMatchObject({
      baseUrl: 'https://gw.example.com/byteor',
      heartbeatIntervalSecs: 0.25,
      snapshotIntervalSecs: 2.5,
    });
  });

  it.each(['0', '-1', 'NaN', 'Infinity', '0.001'])(
    'rejects interval %s, keeping the default',
    (v) => {
      const config = parseReportingEnv({ ...FULL, BYTEOR_HEARTBEAT_INTERVAL_SECS: v });
      expect(config.active && [config.heartbeatIntervalSecs, config.warnings.length]).toEqual([
        30, 1,
      ]);
    },
  );

  it('warns about plain http to a remote host, not to loopback', () => {
    const remote = parseReportingEnv({ ...FULL, BYTEOR_API_BASE_URL: 'http://api.example.com' });
    expect(remote.active && remote.warnings).toEqual([
      'BYTEOR_API_BASE_URL uses plain http to api.example.com: the agent key travels unencrypted; use https',
    ]);
    const local = parseReportingEnv({ ...FULL, BYTEOR_API_BASE_URL: 'http://127.0.0.1:8080' });
    expect(local.active && local.warnings).toEqual([]);
  });

  it('names what is missing; empty strings count as unset', () => {
    expect(parseReportingEnv({ ...FULL, BYTEOR_AGENT_ID: '' })).toEqual({
      active: false,
      state: 'partially-configured',
      reason:
        'agent reporting off: BYTEOR_AGENT_ID not set (BYTEOR_API_BASE_URL and BYTEOR_AGENT_API_KEY are); set all three to report',
      missingVariables: ['BYTEOR_AGENT_ID'],
    });
    expect(parseReportingEnv({})).toMatchObject({ state: 'not-configured' });
  });

  it('never echoes the key when the base URL is bad', () => {
    const config = parseReportingEnv({ ...FULL, BYTEOR_API_BASE_URL: 'not a url k-123456' });
    expect(config).toMatchObject({ state: 'invalid-config' });
    expect(JSON.stringify(config)).not.toContain('k-123456');
  });

  it('builds the endpoint URLs with an encoded agent id', () => {
    expect(agentReportUrl('https://x', 'a b/c', 'snapshots')).toBe(
      'https://x/api/v1/agents/a%20b%2Fc/snapshots',
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-06-15T15:00:00Z');
  it.each([
    ['3', 3000],
    [' 0 ', 0],
    ['Sun, 15 Jun 2025 15:00:07 GMT', 7000],
    ['Sun, 15 Jun 2025 14:00:00 GMT', 0],
    ['86400', 15 * 60_000],
    ['soon', undefined],
    ['1.5', undefined],
    ['', undefined],
  ])('%j -> %s ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
  it('absent header', () => expect(parseRetryAfter(null, now)).toBeUndefined());
});
