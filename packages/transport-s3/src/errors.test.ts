import { describe, expect, it } from 'vitest';
import { nativeCode, s3Error } from './errors.js';

const at = { action: 'list bucket "b"', server: '127.0.0.1:9000' };
/** The shape of an S3 error answer as the SDK throws it (S3ServiceException). */
const answer = (name: string, status: number): Error =>
  Object.assign(new Error(`${name} message from the server`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
const errno = (code: string): Error => Object.assign(new Error(`connect ${code} x`), { code });

describe('s3Error', () => {
  it('maps S3 error codes', () => {
    const cases: [string, number, string, string | undefined][] = [
      ['SignatureDoesNotMatch', 403, 'unauthenticated', 'secretAccessKey'],
      ['InvalidAccessKeyId', 403, 'unauthenticated', 'accessKeyId'],
      ['ExpiredToken', 400, 'unauthenticated', 'sessionToken'],
      ['AccessDenied', 403, 'permission-denied', undefined],
      ['NoSuchBucket', 404, 'not-found', 'bucket'],
      ['PermanentRedirect', 301, 'invalid-config', 'region'],
      ['SlowDown', 503, 'unavailable', undefined],
      ['InternalError', 500, 'unavailable', undefined],
      ['ServiceUnavailable', 503, 'unavailable', undefined],
      ['SomethingNew', 502, 'unavailable', undefined],
      ['SomethingNew', 400, 'invalid-input', undefined],
      ['NotFound', 404, 'unavailable', 'endpoint'],
      ['Forbidden', 403, 'permission-denied', undefined],
    ];
    for (const [name, status, code, option] of cases) {
      const e = s3Error(answer(name, status), at);
      expect(e.code, name).toBe(code);
      expect(e.details?.option, name).toBe(option);
      if (option) expect(e.message).toContain(`option "${option}"`);
      expect(e.component).toBe('transport:s3');
    }
  });

  it('says what failed where, with the code, and the fix', () => {
    const e = s3Error(answer('NoSuchBucket', 404), at);
    expect(e.message).toBe(
      '[transport:s3] cannot list bucket "b" on 127.0.0.1:9000: the bucket does not exist (NoSuchBucket); option "bucket"',
    );
    expect(e.hint).toContain('create the bucket');
    expect(e.retryable).toBe(false);
    expect(s3Error(answer('SlowDown', 503), at).retryable).toBe(true);
  });

  it('maps socket errors by errno, also wrapped as a cause', () => {
    expect(s3Error(errno('ECONNREFUSED'), at).code).toBe('unavailable');
    expect(s3Error(errno('ECONNRESET'), at).retryable).toBe(true);
    const wrapped = new Error('socket hang up', { cause: errno('EPIPE') });
    expect(s3Error(wrapped, at).code).toBe('unavailable');
    expect(nativeCode(wrapped)).toBe('EPIPE');
    expect(s3Error(errno('ERR_STREAM_PREMATURE_CLOSE'), at).retryable).toBe(true);
    // unknown host
    expect(s3Error(errno('ENOTFOUND'), at).hint).toContain('endpoint');
  });

  it('maps SDK client errors: timeouts and a missing credential chain', () => {
    expect(s3Error(Object.assign(new Error('t'), { name: 'TimeoutError' }), at).code).toBe(
      'timeout',
    );
    const none = s3Error(Object.assign(new Error('c'), { name: 'CredentialsProviderError' }), at);
    expect(none.code).toBe('unauthenticated');
    expect(none.details?.option).toBe('accessKeyId');
  });

  it('classifies TLS problems first (permanent, naming the option)', () => {
    const e = s3Error(errno('DEPTH_ZERO_SELF_SIGNED_CERT'), at);
    expect(e.code).toBe('tls');
    expect(e.details?.option).toBe('tlsCaFile');
  });
});
