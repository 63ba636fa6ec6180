import { describe, expect, it } from 'vitest';
import { mapMqttError } from '../src/errors.js';

const withCode = (code: string | number) => Object.assign(new Error('native'), { code });

describe('mapMqttError (the only place that knows mqtt.js and socket errors)', () => {
  it.each([
    ['ECONNREFUSED', 'unavailable'],
    ['ENOTFOUND', 'not-found'],
    ['ETIMEDOUT', 'timeout'],
    [134, 'unauthenticated'],
    [135, 'permission-denied'],
    [4, 'unauthenticated'],
    [5, 'permission-denied'],
    [149, 'too-large'],
  ] as const)('maps %s to %s', (native, code) => {
    const e = mapMqttError(withCode(native), 'cannot connect to mqtt://127.0.0.1:1883');
    expect(e.code).toBe(code);
    expect(e.message).toBe('[transport:mqtt] cannot connect to mqtt://127.0.0.1:1883: native');
  });

  it('names the credentials in the hint for an auth failure, and the url otherwise', () => {
    expect(mapMqttError(withCode(134), 'x').hint).toBe(
      'check `username` / `password` and the broker ACL for `topic`',
    );
    expect(mapMqttError(withCode('ECONNREFUSED'), 'x').hint).toBe(
      'check that the broker runs at `url` and is reachable',
    );
  });

  it('treats an error it does not know as unavailable (the loop retries it)', () => {
    expect(mapMqttError(new Error('odd'), 'x').code).toBe('unavailable');
  });
});
