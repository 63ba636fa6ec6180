import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:s3';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  /** The option to change, named in the message and in `details.option`. */
  readonly option?: string;
  readonly hint?: string;
}

// S3 error codes (the `Code` of the XML error body, which the SDK puts in `error.name`):
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html. The test pinning each is named.
const S3_CODES: Readonly<Record<string, Rule>> = {
  // errors.test.ts "signature"; apps/edgeplane/test/tls/s3.test.ts "a wrong password"
  SignatureDoesNotMatch: {
    code: 'unauthenticated',
    text: 'the request signature does not match (wrong secret access key)',
    option: 'secretAccessKey',
    hint: 'check `secretAccessKey` (and that it belongs to `accessKeyId`)',
  },
  // errors.test.ts "unknown access key"; transport.test.ts "a wrong access key id"
  InvalidAccessKeyId: {
    code: 'unauthenticated',
    text: 'the access key id is not known to the server',
    option: 'accessKeyId',
    hint: 'check `accessKeyId`, or leave it out to use the AWS credential chain',
  },
  ExpiredToken: {
    code: 'unauthenticated',
    text: 'the session token has expired',
    option: 'sessionToken',
    hint: 'renew the temporary credentials (`sessionToken`)',
  },
  InvalidToken: {
    code: 'unauthenticated',
    text: 'the session token is malformed or invalid',
    option: 'sessionToken',
    hint: 'check `sessionToken`',
  },
  // errors.test.ts "access denied"
  AccessDenied: {
    code: 'permission-denied',
    text: 'access denied',
    hint: 'grant the credentials s3:ListBucket and s3:GetObject (source; s3:DeleteObject/s3:PutObject for afterAck) or s3:PutObject (sink) on the bucket and prefix',
  },
  // transport.test.ts "a missing bucket"
  NoSuchBucket: {
    code: 'not-found',
    text: 'the bucket does not exist',
    option: 'bucket',
    hint: 'create the bucket, or fix `bucket` (and `endpoint`/`region`)',
  },
  InvalidBucketName: {
    code: 'invalid-config',
    text: 'the server refuses the bucket name',
    option: 'bucket',
    hint: 'fix `bucket`',
  },
  PermanentRedirect: {
    code: 'invalid-config',
    text: 'the bucket is in another region',
    option: 'region',
    hint: "set `region` to the bucket's region",
  },
  AuthorizationHeaderMalformed: {
    code: 'invalid-config',
    text: 'the request was signed for the wrong region',
    option: 'region',
    hint: "set `region` to the bucket's region",
  },
  EntityTooLarge: { code: 'too-large', text: 'the object is over the server limit' },
  // Transient: the loop (sink) or the source's backoff retries these.
  SlowDown: { code: 'unavailable', text: 'the server asks to slow down (SlowDown)' },
  InternalError: { code: 'unavailable', text: 'internal error of the server' },
  ServiceUnavailable: { code: 'unavailable', text: 'the service is unavailable' },
  RequestTimeout: { code: 'unavailable', text: 'the server timed out reading the request' },
  RequestTimeTooSkewed: {
    code: 'invalid-config',
    text: "the machine's clock differs from the server's by more than 15 minutes",
    hint: 'synchronise the clock (NTP)',
  },
};

// Socket errors by errno code (never by message text).
const ERRNO: Readonly<Record<string, Rule>> = {
  // conformance "an unreachable server gives unavailable or not-found"
  ECONNREFUSED: {
    code: 'unavailable',
    text: 'connection refused',
    hint: 'start the server there, or fix `endpoint`',
  },
  // server-restart.test.ts: the server went away mid-request
  ECONNRESET: { code: 'unavailable', text: 'connection reset by the server' },
  EPIPE: { code: 'unavailable', text: 'connection closed by the server' },
  ECONNABORTED: { code: 'unavailable', text: 'connection aborted' },
  EHOSTUNREACH: { code: 'unavailable', text: 'host unreachable' },
  ENETUNREACH: { code: 'unavailable', text: 'network unreachable' },
  EADDRNOTAVAIL: { code: 'unavailable', text: 'address not available' },
  ETIMEDOUT: {
    code: 'unavailable',
    text: 'connect timed out',
    hint: 'check `endpoint`, or raise `connectTimeoutMs`',
  },
  // errors.test.ts "unknown host"
  ENOTFOUND: { code: 'unavailable', text: 'host not found', hint: 'check the host in `endpoint`' },
  EAI_AGAIN: { code: 'unavailable', text: 'temporary failure resolving the host' },
  // The answer's body stream closed before its end (the server went away mid-answer).
  ERR_STREAM_PREMATURE_CLOSE: { code: 'unavailable', text: 'the connection closed mid-answer' },
};

/** Where and what: `cannot PutObject logs/1.ndjson in bucket "b" on 127.0.0.1:9000`. */
export interface ErrorContext {
  /** `list bucket "b"`, `PutObject "logs/1.ndjson"`, `connect`. */
  readonly action: string;
  /** `host:port` of the endpoint (never credentials). */
  readonly server: string;
}

interface NativeS3Error {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function s3Code(error: NativeS3Error): string | undefined {
  if (typeof error.Code === 'string') return error.Code;
  if (error.$metadata && typeof error.name === 'string' && error.name !== 'Error')
    return error.name;
  return undefined;
}

/** Finds an errno code on the error or its causes (the SDK wraps socket errors). */
function errnoOf(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && ERRNO[code]) return code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors))
      for (const inner of errors) {
        const c = errnoOf(inner);
        if (c) return c;
      }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function build(
  rule: Rule,
  context: ErrorContext,
  tag: string,
  cause: unknown,
  extra: Record<string, unknown>,
): EdgeplaneError {
  const option = rule.option ? `; option "${rule.option}"` : '';
  return new EdgeplaneError(
    rule.code,
    COMPONENT,
    `cannot ${context.action} on ${context.server}: ${rule.text} (${tag})${option}`,
    {
      cause,
      hint: rule.hint,
      details: {
        server: context.server,
        ...extra,
        ...(rule.option ? { option: rule.option } : {}),
      },
    },
  );
}

/**
 * Maps a native error (an S3 error answer, a socket errno, an SDK client error) to an
 * `EdgeplaneError`, keyed on the S3 error code, the HTTP status or the errno; never on text.
 * 5xx, `SlowDown` and connection errors are `unavailable` (retryable); bad credentials are
 * `unauthenticated` naming `secretAccessKey` or `accessKeyId`; a missing bucket `not-found`
 * naming `bucket`; a certificate problem a permanent `tls` error naming the TLS option.
 */
export function s3Error(error: unknown, context: ErrorContext): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  // errors.test.ts "TLS"; apps/edgeplane/test/tls/s3.test.ts pins each case end to end.
  const tls = classifyTlsError(error, { component: COMPONENT, server: context.server });
  if (tls) return tls;
  const native = (error ?? {}) as NativeS3Error;
  const status = native.$metadata?.httpStatusCode;
  const code = s3Code(native);
  if (code !== undefined && S3_CODES[code])
    return build(S3_CODES[code] as Rule, context, code, error, { s3_code: code, status });
  const errno = errnoOf(error);
  if (errno) return build(ERRNO[errno] as Rule, context, errno, error, { errno });
  if (native.name === 'TimeoutError' || native.name === 'RequestTimeout')
    return build(
      {
        code: 'timeout',
        text: 'no answer in time',
        hint: 'raise `requestTimeoutMs` or `connectTimeoutMs`',
      },
      context,
      'timeout',
      error,
      {},
    );
  if (native.name === 'CredentialsProviderError')
    return build(
      {
        code: 'unauthenticated',
        text: 'no credentials found in the AWS credential chain',
        option: 'accessKeyId',
        hint: 'set `accessKeyId` and `secretAccessKey` (from secrets), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile',
      },
      context,
      'CredentialsProviderError',
      error,
      {},
    );
  if (typeof status === 'number') {
    // An answer without a known code (HEAD answers have no body): by status class.
    if (status >= 500 || status === 429)
      return build(
        { code: 'unavailable', text: `server error ${status}` },
        context,
        code ?? String(status),
        error,
        { status },
      );
    if (status === 403)
      return build(S3_CODES.AccessDenied as Rule, context, code ?? '403', error, { status });
    // A 404 without an S3 error code is not S3 saying "no such bucket/key" (those have codes):
    // a server still starting (its HTTP layer up before its S3 handler), or not an S3 endpoint.
    // Retryable; at open it ends as `unavailable` naming `endpoint`. server-restart.test.ts
    if (status === 404)
      return build(
        {
          code: 'unavailable',
          text: 'the server answered 404 without an S3 error (starting up, or not an S3 endpoint)',
          option: 'endpoint',
          hint: 'check that `endpoint` is an S3 server',
        },
        context,
        code ?? '404',
        error,
        { status },
      );
    return build(
      { code: 'invalid-input', text: `the server refused the request (${status})` },
      context,
      code ?? String(status),
      error,
      { status },
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  return new EdgeplaneError(
    'internal',
    COMPONENT,
    `cannot ${context.action} on ${context.server}: ${text}`,
    {
      cause: error,
      details: { server: context.server },
    },
  );
}

/** The S3 code or errno name of a native error: `NoSuchKey`, `InvalidRange`, `ECONNRESET`. */
export function nativeCode(error: unknown): string | undefined {
  return s3Code((error ?? {}) as NativeS3Error) ?? errnoOf(error);
}

/** True for a refusal that no retry cures: credentials, permissions, TLS, configuration. */
export function isPermanent(error: EdgeplaneError): boolean {
  return !error.retryable;
}

/** `send` / `ack` / `open` after `close()`. */
export function closedError(): EdgeplaneError {
  return new EdgeplaneError('closed', COMPONENT, 'transport is closed');
}

/** An `open()` whose signal aborted. */
export function openCancelled(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'open cancelled: the signal was aborted');
}

/** A `receive({ from })` that is not a position of this transport. */
export function badPosition(from: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `position ${JSON.stringify(from.slice(0, 200))} is not an S3 position (\`<key>@<byte offset>\`)`,
  );
}

/** A body the line framing cannot carry (LF inside, or a trailing CR): refused alone. */
export function unframeable(index: number, why: string): EdgeplaneError {
  return new EdgeplaneError('invalid-input', COMPONENT, `message ${index} of the batch ${why}`, {
    details: { index },
    hint: 'use framing=object for bodies with line breaks',
  });
}

/** An object over `maxObjectBytes` with `framing=object`. */
export function objectTooLarge(key: string, size: number, limit: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `object ${JSON.stringify(key)} has ${size} bytes, over \`maxObjectBytes\` (${limit} bytes)`,
    { details: { key, size, limit }, hint: 'raise `maxObjectBytes`, or read it with framing=line' },
  );
}

/** The lane's checkpoint belongs to another bucket or prefix. */
export function foreignCheckpoint(file: string, what: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `the lane's checkpoint ${file} is for ${what}; option "prefix"`,
    {
      hint: 'use a new lane path for another bucket or prefix, or delete the checkpoint file',
      details: { option: 'prefix' },
    },
  );
}
