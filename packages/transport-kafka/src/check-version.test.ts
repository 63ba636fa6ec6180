import { describe, expect, it } from 'vitest';
import { kafkaRelease, serverVersionCheck } from './check-version.js';

const answer = (maxVersion?: number) => ({
  errorCode: 0,
  apiKeys: [],
  throttleTimeMs: 0,
  supportedFeatures:
    maxVersion === undefined ? [] : [{ name: 'metadata.version', minVersion: 1, maxVersion }],
});

describe('server-version', () => {
  it('maps metadata.version levels to releases (Kafka 3.9.1 MetadataVersion)', () => {
    expect(kafkaRelease(0)).toBeUndefined();
    expect(kafkaRelease(7)).toBe('3.3');
    expect(kafkaRelease(19)).toBe('3.7');
    expect(kafkaRelease(21)).toBe('3.9');
    expect(kafkaRelease(25)).toBe('4.0');
  });

  it('is ok within the tested range, warn outside it or when the brokers do not say', () => {
    expect(serverVersionCheck(answer(21))).toMatchObject({ status: 'ok' });
    expect(serverVersionCheck(answer(19))).toEqual({
      name: 'server-version',
      status: 'warn',
      detail: 'Kafka 3.7 (metadata.version levels 1-19): outside the tested 3.9',
      fix: 'this transport was tested with Kafka 3.9: run the lane against these brokers in a test setup first',
    });
    expect(serverVersionCheck(answer(27)).detail).toBe(
      'Kafka 4.0 or later (metadata.version levels 1-27): outside the tested 3.9',
    );
    expect(serverVersionCheck(answer()).status).toBe('warn');
    expect(serverVersionCheck(answer()).detail).toMatch(/do not report their release/);
  });
});
