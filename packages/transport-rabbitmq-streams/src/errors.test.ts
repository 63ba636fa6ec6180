import { describe, expect, it } from 'vitest';
import { StreamProtocolError } from './compat.js';
import { isPermanent, responseCodeOf, streamError } from './errors.js';

const map = (error: unknown) => streamError(error, 'connect', 'h:5552');

describe('error mapping', () => {
  it.each([
    [2, 'not-found', 'stream does not exist (response code 2)'],
    [6, 'unavailable', 'stream not available (response code 6)'],
    [8, 'unauthenticated', 'authentication failure (response code 8)'],
    [12, 'permission-denied', 'virtual host access failure (response code 12)'],
    [14, 'too-large', 'frame too large (response code 14)'],
    [16, 'permission-denied', 'access refused (response code 16)'],
    [17, 'conflict', 'precondition failed (response code 17)'],
    [18, 'unavailable', 'publisher does not exist (response code 18)'],
  ])('response code %i → %s', (code, expected, text) => {
    const e = map(new StreamProtocolError('x', code));
    expect(e.code).toBe(expected);
    expect(e.message).toBe(`[transport:rabbitmq-streams] cannot connect (h:5552): ${text}`);
  });

  it('reads the code the client puts in its messages, or rejects with', () => {
    expect(responseCodeOf(new Error('Query offset command returned error with code 19'))).toBe(19);
    expect(responseCodeOf(new Error('Unable Authenticate -> 8'))).toBe(8);
    expect(responseCodeOf(2)).toBe(2);
    expect(responseCodeOf(new Error('wrapper', { cause: new StreamProtocolError('x', 12) }))).toBe(
      12,
    );
    expect(responseCodeOf(new Error('no code here'))).toBeUndefined();
  });

  it.each([
    ['ECONNREFUSED', 'unavailable', 'connection refused (ECONNREFUSED)'],
    ['ECONNRESET', 'unavailable', 'connection reset by the broker (ECONNRESET)'],
    ['ETIMEDOUT', 'unavailable', 'timed out (ETIMEDOUT)'],
    ['ENOTFOUND', 'unavailable', 'host name not found (ENOTFOUND)'],
  ])('errno %s → %s', (errno, expected, text) => {
    const e = map(Object.assign(new Error('x'), { code: errno }));
    expect(e.code).toBe(expected);
    expect(e.message).toContain(text);
  });

  it('anything else keeps its message and is unavailable (retryable)', () => {
    const e = map(new Error('Stream was not found on any node'));
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe(
      '[transport:rabbitmq-streams] cannot connect (h:5552): Stream was not found on any node',
    );
  });

  const sslError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    [
      'SELF_SIGNED_CERT_IN_CHAIN',
      'tlsCaFile',
      "the server's certificate is not signed by a trusted CA",
    ],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tlsCaFile', 'not signed by a trusted CA'],
    ['CERT_HAS_EXPIRED', 'tlsCaFile', "the server's certificate has expired"],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tlsServerName', 'not issued for the host name'],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsCertFile', 'requires a client certificate'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsCertFile', 'does not trust the client certificate'],
  ])('TLS error %s → tls naming %s, permanent', (code, option, text) => {
    const e = map(sslError(code));
    expect(e.code).toBe('tls');
    expect(e.details?.option).toBe(option);
    expect(e.message.startsWith('[transport:rabbitmq-streams] ')).toBe(true);
    expect(e.message.endsWith(` (h:5552); option "${option}"`)).toBe(true);
    expect(e.message).toContain(text);
    expect(e.hint).toBeTruthy();
    expect(e.retryable).toBe(false);
    expect(isPermanent(e)).toBe(true);
  });

  it('a TLS error wrapped by the client (a handshake step, a cause chain) is still tls', () => {
    const inner = sslError('CERT_HAS_EXPIRED', 'certificate has expired');
    const wrapped = new StreamProtocolError('exchangeProperties failed', undefined, {
      cause: inner,
    });
    expect(map(wrapped).code).toBe('tls');
    expect(map(new Error('socket hang up', { cause: inner })).details?.option).toBe('tlsCaFile');
  });

  it('TLS is classified before response codes and errnos; other errors are not tls', () => {
    expect(map(Object.assign(new Error('x'), { code: 'ECONNRESET' })).code).toBe('unavailable');
    expect(map(new StreamProtocolError('x', 8)).code).toBe('unauthenticated');
  });
});
