import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';
import { StreamProtocolError } from './compat.js';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:rabbitmq-streams';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  readonly hint?: string;
}

const AUTH_HINT =
  'check the user and password (in `url`, or `username` / `password`); RabbitMQ lets `guest` in from localhost only';

// Stream protocol response codes (the protocol's own numbering). The test pinning each rule is
// named beside it; codes without one are mapped from the protocol specification.
const RESPONSE_CODES: Readonly<Record<number, Rule>> = {
  // conformance errors "an unreachable server…" does not reach these; transport.test.ts "createStream=false"
  2: {
    code: 'not-found',
    text: 'stream does not exist',
    hint: 'create the stream, or set `createStream=true`',
  },
  3: { code: 'internal', text: 'subscription id already exists' },
  4: { code: 'internal', text: 'subscription id does not exist' },
  5: { code: 'conflict', text: 'stream already exists' },
  // transient while a stream's leader moves or the broker boots: retryable
  6: { code: 'unavailable', text: 'stream not available' },
  7: { code: 'unauthenticated', text: 'SASL mechanism not supported', hint: AUTH_HINT },
  // compat.test.ts "a wrong password is unauthenticated"
  8: { code: 'unauthenticated', text: 'authentication failure', hint: AUTH_HINT },
  9: { code: 'unauthenticated', text: 'SASL error', hint: AUTH_HINT },
  10: { code: 'unauthenticated', text: 'SASL challenge', hint: AUTH_HINT },
  11: { code: 'unauthenticated', text: 'SASL authentication failure (loopback)', hint: AUTH_HINT },
  // compat.test.ts "an unknown vhost is permission-denied"
  12: {
    code: 'permission-denied',
    text: 'virtual host access failure',
    hint: "check the vhost (the path of `url`, %2F for `/`) and the user's permissions on it",
  },
  13: { code: 'protocol', text: 'unknown frame' },
  14: { code: 'too-large', text: 'frame too large' },
  15: { code: 'unavailable', text: 'internal error of the broker' },
  16: {
    code: 'permission-denied',
    text: 'access refused',
    hint: "grant the user configure/write/read permissions on the stream's vhost",
  },
  17: {
    code: 'conflict',
    text: 'precondition failed',
    hint: 'the stream exists with other arguments, or the publisher reference is in use elsewhere',
  },
  // after a reconnection the broker no longer knows the old publisher id: retryable
  18: { code: 'unavailable', text: 'publisher does not exist' },
  19: { code: 'not-found', text: 'no offset stored for this consumer name' },
  // a server-sent Close: the broker ends the connection (shutdown, admin close)
  22: { code: 'unavailable', text: 'the broker closed the connection' },
};

// Socket errors by errno (never by message text). conformance "an unreachable server gives
// unavailable or not-found" pins ECONNREFUSED; compat.test.ts "a peer that is not a stream
// broker" pins ETIMEDOUT.
const ERRNO: Readonly<Record<string, Rule>> = {
  ECONNREFUSED: {
    code: 'unavailable',
    text: 'connection refused',
    hint: 'is the broker running, with the rabbitmq_stream plugin on this port?',
  },
  ECONNRESET: { code: 'unavailable', text: 'connection reset by the broker' },
  EPIPE: { code: 'unavailable', text: 'the connection was closed' },
  ETIMEDOUT: { code: 'unavailable', text: 'timed out' },
  EHOSTUNREACH: { code: 'unavailable', text: 'host unreachable' },
  ENETUNREACH: { code: 'unavailable', text: 'network unreachable' },
  EAI_AGAIN: { code: 'unavailable', text: 'host name lookup failed (temporary)' },
  ENOTFOUND: { code: 'unavailable', text: 'host name not found', hint: 'check the host of `url`' },
};

/**
 * The stream protocol response code behind a client error, where there is one. The client
 * (1.0.0) rejects some requests with the bare numeric code, and others with an `Error` whose
 * only record of the code is its message (`... returned error with code 19 ...`, `Unable
 * Authenticate -> 8`): that text, fixed by the pinned client version, is read here and nowhere
 * else. Errors from the compat shim carry the code as a field.
 */
export function responseCodeOf(error: unknown): number | undefined {
  if (typeof error === 'number') return error;
  if (error instanceof StreamProtocolError && error.responseCode !== undefined)
    return error.responseCode;
  if (!(error instanceof Error)) return undefined;
  const match = /(?:with code|Authenticate ->) (\d+)/.exec(error.message);
  if (match) return Number(match[1]);
  return error.cause === undefined ? undefined : responseCodeOf(error.cause);
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause === undefined ? undefined : errnoOf(cause);
}

/**
 * Maps a native or client error from `action` to an `EdgeplaneError` (TLS problems first, as
 * `tls`; then stream response codes; then socket errnos):
 * `[transport:rabbitmq-streams] cannot connect to 127.0.0.1:5552: connection refused (ECONNREFUSED)`.
 * `where` is `host:port`, never the URL (it may carry a password).
 */
export function streamError(error: unknown, action: string, where: string): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  // A certificate or handshake problem (unknown CA, expired, wrong host, client certificate
  // required or refused): a permanent `tls` error naming the option to fix, never retried.
  // apps/edgeplane/test/tls/rabbitmq.test.ts pins each case against the real broker.
  const tls = classifyTlsError(error, { component: COMPONENT, server: where });
  if (tls) return tls;
  const response = responseCodeOf(error);
  const errno = errnoOf(error);
  const rule = response !== undefined ? RESPONSE_CODES[response] : errno ? ERRNO[errno] : undefined;
  const cause = error instanceof Error ? error.message : String(error);
  const what = rule
    ? `${rule.text} (${response !== undefined ? `response code ${response}` : errno})`
    : cause;
  const code = rule?.code ?? 'unavailable';
  // An auth refusal names the server the credentials were refused by (the hint is printed alone).
  const hint =
    rule?.hint && (code === 'unauthenticated' || code === 'permission-denied')
      ? `${rule.hint} (refused by ${where})`
      : rule?.hint;
  return new EdgeplaneError(code, COMPONENT, `cannot ${action} (${where}): ${what}`, {
    cause: error,
    details: { where, responseCode: response, errno },
    hint,
  });
}

/**
 * True for an error a reconnection cannot get past: retrying with the same options and
 * credentials gives the same answer (`unauthenticated`, `permission-denied`, a deleted stream,
 * ...). `Link` stops reconnecting on it and reports `failed`.
 */
export function isPermanent(error: EdgeplaneError): boolean {
  return !error.retryable && error.code !== 'closed' && error.code !== 'cancelled';
}

/** `[transport:x] cannot connect (…): refused` → `cannot connect (…): refused` (for nesting). */
function bare(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^\[[^\]]+\] /, '');
}

/**
 * The connection is down (reconnecting) or went down while `action` was in flight. `last` is the
 * last connection error (the cause), named in the message: `cannot publish (127.0.0.1:5552): the
 * connection is down (reconnecting; last error: cannot connect (127.0.0.1:5552): connection
 * refused (ECONNREFUSED))`.
 */
export function connectionDown(action: string, where: string, last?: unknown): EdgeplaneError {
  const why = last === undefined ? 'reconnecting' : `reconnecting; last error: ${bare(last)}`;
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `cannot ${action} (${where}): the connection is down (${why})`,
    {
      cause: last,
      details: { where },
      hint: (last as { hint?: string } | undefined)?.hint,
    },
  );
}

/**
 * The stream disappeared mid-run (deleted on the broker): permanent. Its stored offsets and
 * the publisher's deduplication state went with it, so neither side can resume where it was;
 * recreating it silently would make an ingress wait at an offset the new stream does not have
 * yet, or read a new stream as if it were the old one.
 */
export function streamDeleted(
  stream: string,
  where: string,
  role: 'ingress' | 'egress' | undefined,
  acknowledged: bigint | undefined,
  how: string,
): EdgeplaneError {
  const doing = role === 'egress' ? 'publishing to it' : 'reading it';
  const last =
    role === 'ingress'
      ? acknowledged === undefined
        ? '; nothing had been acknowledged'
        : `; the last acknowledged offset was ${acknowledged}`
      : '';
  return new EdgeplaneError(
    'not-found',
    COMPONENT,
    `stream ${JSON.stringify(stream)} was deleted on ${where} while this lane was ${doing} (${how})${last}`,
    {
      details: { where, stream, acknowledged: acknowledged?.toString() },
      hint:
        role === 'egress'
          ? `recreate the stream (or run again with \`createStream=true\`: it creates a missing stream at open only), then run again`
          : `the stream's messages and stored offsets are gone: recreate it, then run again; the consumer starts where \`offset\` says (first / next / an offset), as for a new consumer`,
    },
  );
}

/**
 * An ingress user without write on a broker before 3.13, which checks write (not read) on
 * StoreOffset, the ack, and drops a refused one without an answer (rabbitmq-server#10383):
 * found by doctor's `permissions` check, where the ack would otherwise time out at run time.
 */
export function storeOffsetRefused(
  stream: string,
  where: string,
  version: string,
  cause: EdgeplaneError,
): EdgeplaneError {
  return new EdgeplaneError(
    'permission-denied',
    COMPONENT,
    `cannot store offsets on stream ${JSON.stringify(stream)} (${where}): RabbitMQ ${version} checks write permission on StoreOffset (the ack; read suffices from 3.13), and write is refused (${cause.detail.replace(/^.*: /, '')})`,
    {
      cause,
      details: { where, stream, responseCode: cause.details?.responseCode },
      hint: `grant the user write on the stream, or upgrade the broker to 3.13+ (refused by ${where})`,
    },
  );
}

/** An `open()` whose signal aborted. */
export function openCancelled(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'open cancelled: the signal was aborted');
}

/** `send` / `ack` after `close()`. */
export function closedError(): EdgeplaneError {
  return new EdgeplaneError('closed', COMPONENT, 'transport is closed');
}

/** A `send` whose signal was aborted. */
export function cancelledError(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted');
}

/** The connection went away while `action` was in flight, or has not come back yet. */
export function connectionLost(action: string, where: string, cause?: unknown): EdgeplaneError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `cannot ${action} (${where}): not connected${why}`,
    {
      cause,
      details: { where },
    },
  );
}

/** `action` did not complete within `ms`. */
export function timedOut(action: string, where: string, ms: number, hint?: string): EdgeplaneError {
  return new EdgeplaneError(
    'timeout',
    COMPONENT,
    `cannot ${action} (${where}): no answer within ${ms} ms`,
    {
      details: { where, timeoutMs: ms },
      hint,
    },
  );
}

/** A required option for a role is missing. */
export function missingOption(option: string, why: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `missing required option \`${option}\`: ${why}`,
    {
      details: { option },
      hint: `set \`${option}\` (see docs/transports/rabbitmq-streams.md)`,
    },
  );
}

/** A `receive({ from })` that is not an offset. */
export function badPosition(from: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `position ${JSON.stringify(from)} is not a stream offset (a decimal integer)`,
  );
}

/** A message that does not fit in one publish frame. */
export function tooLarge(index: number, bytes: number, frameMax: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch needs ${bytes} bytes in a publish frame, more than the broker's frame_max (${frameMax})`,
    {
      details: { index, bytes, frameMax },
      hint: 'body, key and headers together must fit in the frame; raise `stream.frame_max` on the broker or split the payload',
    },
  );
}

/** A body over the declared `maxBodyBytes` (`MAX_BODY_BYTES`). */
export function bodyTooLarge(index: number, bytes: number, limit: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch has a ${bytes}-byte body, over the transport's maxBodyBytes (${limit}: the broker's default frame_max less 4 KiB for key, headers and framing)`,
    {
      details: { index, bytes, limit },
      hint: 'split the payload; the stream transport carries bodies up to 1 MiB less 4 KiB',
    },
  );
}
