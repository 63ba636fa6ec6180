import { describe, expect, it } from 'vitest';
import { isPermanent, natsError, scrubUrls } from './errors.js';

describe('native error mapping', () => {
  it('maps client error codes', () => {
    const cases: [string, string][] = [
      ['CONNECTION_REFUSED', 'unavailable'],
      ['DISCONNECT', 'unavailable'],
      ['TIMEOUT', 'timeout'],
      ['AUTHORIZATION_VIOLATION', 'unauthenticated'],
      ['PERMISSIONS_VIOLATION', 'permission-denied'],
      ['MAX_PAYLOAD_EXCEEDED', 'too-large'],
      ['503', 'unavailable'],
      ['BAD_HEADER', 'invalid-input'],
    ];
    for (const [code, want] of cases) expect(natsError({ code }, 'x').code, code).toBe(want);
  });

  it('maps JetStream API errors by err_code, then by status', () => {
    const api = (code: number, err_code?: number) => ({
      code: String(code),
      api_error: { code, err_code, description: 'described' },
    });
    expect(natsError(api(404, 10059), 'cannot use stream S')).toMatchObject({
      code: 'not-found',
      message: '[transport:nats] cannot use stream S: described (10059)',
    });
    expect(natsError(api(404, 10014), 'c').code).toBe('not-found');
    expect(natsError(api(400, 10058), 'c').code).toBe('conflict');
    expect(natsError(api(503, 12345), 'c').code).toBe('unavailable');
    expect(natsError(api(413), 'c').code).toBe('too-large');
  });

  it('never carries URL credentials into a message', () => {
    const e = natsError(
      new Error('failed nats://alice:s3cret@host:4222'),
      'cannot connect to nats://tok3n@h:1',
    );
    expect(e.message).not.toMatch(/s3cret|tok3n|alice/);
    expect(scrubUrls('nats://u:p@h:1,tls://t@h:2')).toBe('nats://h:1,tls://h:2');
  });

  it('classifies TLS failures first: permanent tls errors naming the option', () => {
    // nats.js passes Node's TLS error through (startTLS), or wraps it as `chainedError`.
    const untrusted = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    const e = natsError(untrusted, 'cannot connect to tls://h:1', 'unavailable', 'tls://u:pw@h:1');
    expect(e).toMatchObject({
      code: 'tls',
      message:
        '[transport:nats] the server\'s certificate is not signed by a trusted CA (tls://h:1); option "tlsCaFile"',
      details: { option: 'tlsCaFile', tls_code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    });
    expect(isPermanent(e)).toBe(true);
    const wrapped = natsError(
      { code: 'TLS', message: 'TLS', chainedError: { code: 'CERT_HAS_EXPIRED' } },
      'c',
    );
    expect(wrapped.code).toBe('tls');
    expect(wrapped.message).toMatch(/has expired; option "tlsCaFile"/);
    expect(natsError({ code: 'TLS' }, 'c').code).toBe('tls');
    const notOffered = natsError({ code: 'SERVER_OPT_NA', message: 'tls' }, 'cannot connect to h');
    expect(notOffered).toMatchObject({ code: 'tls' });
    expect(notOffered.message).toMatch(/option "tls"/);
    expect(isPermanent(natsError({ code: 'CONNECTION_REFUSED' }, 'c'))).toBe(false);
  });
});
