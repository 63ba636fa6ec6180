import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  ResponseError,
  TimeoutError,
  UnsupportedApiError,
  UserError,
} from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { codeOf, isMembershipError, kafkaError, noClientCertificate, rootCause } from './errors.js';

/** A broker answer with one protocol error, as @platformatic/kafka reports it. */
const response = (id: string) => {
  const e = new ProtocolError(id);
  return new ResponseError(0, 9, { '/responses/0': [e.apiCode, null] }, {});
};
const errno = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('kafka error mapping', () => {
  it.each([
    [
      new NetworkError('Connection to 127.0.0.1:1 failed.', { cause: errno('ECONNREFUSED') }),
      'unavailable',
    ],
    [new NetworkError('Connection closed'), 'unavailable'],
    [new TimeoutError('Request timed out'), 'timeout'],
    [new AuthenticationError('SASL authentication failed.'), 'unauthenticated'],
    [response('SASL_AUTHENTICATION_FAILED'), 'unauthenticated'],
    [response('TOPIC_AUTHORIZATION_FAILED'), 'permission-denied'],
    [response('GROUP_AUTHORIZATION_FAILED'), 'permission-denied'],
    [response('UNKNOWN_TOPIC_OR_PARTITION'), 'not-found'],
    [response('MESSAGE_TOO_LARGE'), 'too-large'],
    [response('NOT_LEADER_OR_FOLLOWER'), 'unavailable'],
    [response('REQUEST_TIMED_OUT'), 'timeout'],
    [response('INVALID_SESSION_TIMEOUT'), 'invalid-config'],
    [response('REBALANCE_IN_PROGRESS'), 'conflict'],
    [response('OUT_OF_ORDER_SEQUENCE_NUMBER'), 'unavailable'],
    [response('UNSUPPORTED_VERSION'), 'protocol'],
    [new UnsupportedApiError('no Fetch'), 'protocol'],
    // certificate problems are `tls` wherever the client wraps them (classifyTlsError first)
    [
      new NetworkError('TLS', {
        cause: new UserError('TLS handshake failed.', {
          cause: errno('DEPTH_ZERO_SELF_SIGNED_CERT'),
        }),
      }),
      'tls',
    ],
    [new NetworkError('Connection error', { cause: errno('CERT_HAS_EXPIRED') }), 'tls'],
    [
      new MultipleErrors('failed 3 times', [
        new NetworkError('Connection error', {
          cause: errno('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'),
        }),
      ]),
      'tls',
    ],
    // ssl=true against a plaintext listener: the client's UserError around the reset socket
    [
      new NetworkError('Connection failed.', {
        cause: new UserError('TLS handshake failed. Please verify the broker supports TLS.', {
          cause: errno('ECONNRESET'),
        }),
      }),
      'invalid-config',
    ],
    // SASL against a listener without it: the handshake is refused
    [
      new NetworkError('Connection failed.', {
        cause: new AuthenticationError('Cannot find a suitable SASL mechanism.', {
          cause: errno('ECONNRESET'),
        }),
      }),
      'unauthenticated',
    ],
    [errno('ENOTFOUND'), 'unavailable'],
    [new UserError('bad option'), 'internal'],
    [new TypeError('x'), 'internal'],
  ])('%s → %s', (error, code) => {
    expect(codeOf(error)).toBe(code);
  });

  it('unwraps retry exhaustion (last attempt) and responses (first protocol error)', () => {
    const cause = response('TOPIC_AUTHORIZATION_FAILED');
    const retried = new MultipleErrors('metadata failed 3 times.', [new NetworkError('x'), cause]);
    expect((rootCause(retried) as ProtocolError).apiId).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(codeOf(retried)).toBe('permission-denied');
  });

  it('names the action, the socket error and the protocol error, scrubs secrets, keeps the cause', () => {
    const refused = new NetworkError('Connection to kafka:9092 failed.', {
      cause: errno('ECONNREFUSED hunter22'),
    });
    const e = kafkaError(refused, 'connect a producer for "orders"', ['hunter22']);
    expect(e).toBeInstanceOf(EdgeplaneError);
    expect(e.message).toBe(
      '[transport:kafka] cannot connect a producer for "orders": Connection to kafka:9092 failed: connect ECONNREFUSED [redacted]',
    );
    expect(e.retryable).toBe(true);
    expect(e.cause).toBe(refused);
    const denied = kafkaError(response('SASL_AUTHENTICATION_FAILED'), 'x');
    expect(denied.message).toMatch(/\(SASL_AUTHENTICATION_FAILED\)$/);
    expect(denied.hint).toMatch(/saslMechanism/);
    expect(denied.retryable).toBe(false);
  });

  it('a certificate problem is a permanent tls error naming the option and the broker, not the OpenSSL text', () => {
    const expired = new NetworkError('Connection to 127.0.0.1:9093 failed.', {
      cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    });
    const e = kafkaError(expired, 'connect a producer for "orders"', [], '127.0.0.1:9093');
    expect(e.code).toBe('tls');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/expired \(127\.0\.0\.1:9093\); option "tlsCaFile"/);
    expect(e.details).toMatchObject({ option: 'tlsCaFile', tls_code: 'CERT_HAS_EXPIRED' });
    const unknownCa = kafkaError(
      new MultipleErrors('failed 5 times', [
        new NetworkError('Connection error', { cause: errno('SELF_SIGNED_CERT_IN_CHAIN') }),
      ]),
      'x',
    );
    expect(unknownCa.details).toMatchObject({ option: 'tlsCaFile' });
    expect(unknownCa.hint).toMatch(/tlsCaFile/);
    const noClientCert = kafkaError(
      new NetworkError('Connection error', { cause: errno('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE') }),
      'x',
    );
    expect(noClientCert.details).toMatchObject({ option: 'tlsCertFile' });
  });

  it('a client certificate refused when none was given: the hint says to give one', () => {
    const refused = kafkaError(
      new NetworkError('Connection error', {
        cause: errno('ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE'),
      }),
      'connect to b:9093',
      [],
      'b:9093',
    );
    expect(noClientCertificate(refused, true)).toBe(refused);
    const none = noClientCertificate(refused, false);
    expect(none.message).toMatch(/requires a client certificate \(b:9093\); option "tlsCertFile"/);
    expect(none.hint).toMatch(/set tlsCertFile and tlsKeyFile/);
  });

  it('TLS against a plaintext listener says to check `tls`', () => {
    const e = kafkaError(
      new NetworkError('Connection failed.', {
        cause: new UserError('TLS handshake failed. Please verify the broker supports TLS.', {
          cause: errno('ECONNRESET'),
        }),
      }),
      'x',
    );
    expect(e.code).toBe('invalid-config');
    expect(e.hint).toMatch(/`tls`/);
  });

  it('recognises membership errors by the client flag', () => {
    expect(isMembershipError(response('ILLEGAL_GENERATION'))).toBe(true);
    expect(isMembershipError(new NetworkError('x'))).toBe(false);
  });
});
