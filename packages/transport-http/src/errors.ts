import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:http';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  readonly hint?: string;
}

// Connection errors by their stable `code` (Node errno, undici's `UND_ERR_*`), never by message
// text. The test that pins each rule is named.
const CODES: Readonly<Record<string, Rule>> = {
  // conformance "an unreachable server gives unavailable or not-found"; errors.test.ts
  ECONNREFUSED: {
    code: 'unavailable',
    text: 'connection refused',
    hint: 'start the receiving server there, or fix `url`',
  },
  // server-restart.test.ts (the ingress goes away mid-run); errors.test.ts
  ECONNRESET: { code: 'unavailable', text: 'connection reset by the server' },
  EPIPE: { code: 'unavailable', text: 'connection closed by the server' },
  ECONNABORTED: { code: 'unavailable', text: 'connection aborted' },
  EHOSTUNREACH: { code: 'unavailable', text: 'host unreachable' },
  ENETUNREACH: { code: 'unavailable', text: 'network unreachable' },
  EADDRNOTAVAIL: { code: 'unavailable', text: 'address not available' },
  ETIMEDOUT: { code: 'unavailable', text: 'connect timed out' },
  ENOTFOUND: { code: 'unavailable', text: 'host not found', hint: 'check the host in `url`' },
  EAI_AGAIN: { code: 'unavailable', text: 'temporary failure resolving the host' },
  // errors.test.ts "undici errors"
  UND_ERR_SOCKET: { code: 'unavailable', text: 'the connection closed before the response' },
  UND_ERR_CLOSED: { code: 'unavailable', text: 'the connection pool was closed' },
  UND_ERR_CONNECT_TIMEOUT: {
    code: 'unavailable',
    text: 'connect timed out',
    hint: 'check that `url` points at a reachable server, or raise `connectTimeoutMs`',
  },
  UND_ERR_HEADERS_TIMEOUT: {
    code: 'timeout',
    text: 'no response headers in time',
    hint: 'raise `timeoutMs` if the server is slow to acknowledge',
  },
  UND_ERR_BODY_TIMEOUT: {
    code: 'timeout',
    text: 'the response body stalled',
    hint: 'raise `timeoutMs`',
  },
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: { code: 'protocol', text: 'response length mismatch' },
  UND_ERR_INFO: { code: 'protocol', text: 'invalid response' },
  HPE_INVALID_CONSTANT: { code: 'protocol', text: 'the server does not speak HTTP/1.1' },
};

/** What a failed request was doing and where, for messages: never the URL's userinfo or query. */
export interface ErrorContext {
  /** `POST to 127.0.0.1:8080/ingest (http)` (no userinfo, no query, not the configured URL). */
  readonly action: string;
  /** `127.0.0.1:8080`, for `classifyTlsError`. */
  readonly server: string;
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(CODES, code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps an error of a request (undici or a socket) to an EdgeplaneError: a TLS problem first
 * (permanent `tls`, naming the option), then by `code`; anything else is `unavailable` (the
 * connection failed some other way: retryable).
 */
export function mapRequestError(error: unknown, context: ErrorContext): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  // tls.test.ts / CLI TLS cases: unknown CA, expired, wrong host, client certificate required
  const tls = classifyTlsError(error, { component: COMPONENT, server: context.server });
  if (tls) return tls;
  const code = errorCode(error);
  const rule = code ? CODES[code] : undefined;
  if (rule)
    return new EdgeplaneError(rule.code, COMPONENT, `${context.action}: ${rule.text}`, {
      cause: error,
      ...(rule.hint ? { hint: rule.hint } : {}),
      details: { error_code: code },
    });
  const name = error instanceof Error ? error.name : 'error';
  return new EdgeplaneError('unavailable', COMPONENT, `${context.action} failed (${name})`, {
    cause: error,
  });
}

/** What a non-2xx response means for the batch or the message. */
export interface StatusOutcome {
  /** `retry`: the batch again later; `reject`: this message alone; `fail`: the whole batch. */
  readonly kind: 'retry' | 'reject' | 'fail';
  readonly error: EdgeplaneError;
}

/**
 * Maps a response status (not 2xx) to an outcome; `text` is the start of the response body,
 * already cut short. Pinned by errors.test.ts "statuses".
 * - 408, 425, 429, 5xx: retryable (`unavailable`, 408/504 `timeout`).
 * - 401 `unauthenticated`, 403 `permission-denied`: the whole batch, permanent (naming the options).
 * - 404, 405, 3xx: the whole batch, permanent (`not-found` / `invalid-config`: `url` or `method`).
 * - 413 `too-large`, other 4xx `invalid-input`: this message alone (rule 11).
 */
export function mapStatus(status: number, text: string, context: ErrorContext): StatusOutcome {
  const said = text ? `: ${text}` : '';
  const at = `${context.action} answered ${status}${said}`;
  const make = (code: ErrorCode, hint?: string) =>
    new EdgeplaneError(code, COMPONENT, at, {
      ...(hint ? { hint } : {}),
      details: { status },
    });
  if (status === 408 || status === 504) return { kind: 'retry', error: make('timeout') };
  if (status === 429 || status === 425 || status >= 500)
    return { kind: 'retry', error: make('unavailable') };
  if (status === 401)
    return {
      kind: 'fail',
      error: make(
        'unauthenticated',
        'the server refused the credentials: check option "authToken" (or the `headers.Authorization` / credentials in `url` it expects)',
      ),
    };
  if (status === 403)
    return {
      kind: 'fail',
      error: make(
        'permission-denied',
        'the server refused this client: check option "authToken" and `headers.*` (the token\u2019s rights)',
      ),
    };
  if (status === 404) return { kind: 'fail', error: make('not-found', 'fix the path in `url`') };
  if (status === 405)
    return { kind: 'fail', error: make('invalid-config', 'set `method` to one the server allows') };
  if (status >= 300 && status < 400)
    return {
      kind: 'fail',
      error: make(
        'invalid-config',
        'redirects are not followed: point `url` at the final location',
      ),
    };
  if (status === 413)
    return { kind: 'reject', error: make('too-large', 'lower `maxBodyBytes` to the server limit') };
  return { kind: 'reject', error: make('invalid-input') };
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3), capped at 10 minutes;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === '') return undefined;
  const cap = 600_000;
  if (/^\d+$/.test(v.trim())) return Math.min(cap, Number(v.trim()) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(cap, Math.max(0, at - now));
}

/** The `closed` error (`send` after `close()`, `ack` after `close()`). */
export function closedError(): EdgeplaneError {
  return new EdgeplaneError('closed', COMPONENT, 'transport is closed');
}

/** The error of an aborted `send`. */
export function cancelledError(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled');
}

/** A missing role option, found at `open()`. */
export function missingOption(option: string, role: string, example: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `option "${option}" is required as ${role}`,
    {
      hint: `set ${option}, e.g. ${example}`,
      details: { option },
    },
  );
}

/**
 * The listener could not bind: `EADDRINUSE` is `unavailable` (another process holds the port, e.g.
 * a previous instance still stopping: it may pass; conformance "an unreachable server"), the
 * rest (`EACCES`, `EADDRNOTAVAIL`) permanent `invalid-config`; all name `listen`.
 */
export function listenError(error: unknown, listen: string): EdgeplaneError {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE')
    return new EdgeplaneError(
      'unavailable',
      COMPONENT,
      `cannot listen on ${listen}: the address is already in use`,
      {
        cause: error,
        hint: 'stop what holds that port, or choose another `listen` port',
        details: { option: 'listen' },
      },
    );
  const why =
    code === 'EACCES'
      ? 'permission denied (ports below 1024 need privileges)'
      : code === 'EADDRNOTAVAIL'
        ? 'no such local address'
        : `failed (${String(code ?? 'error')})`;
  return new EdgeplaneError('invalid-config', COMPONENT, `cannot listen on ${listen}: ${why}`, {
    cause: error,
    hint: 'choose another `listen` address or port',
    details: { option: 'listen' },
  });
}

/** A body the egress cannot frame as one NDJSON line (rule 4). */
export function notALine(index: number): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `message ${index}: a body with LF, or ending with CR, cannot be one NDJSON line`,
    { hint: 'use batching=message for such bodies' },
  );
}

/** A body over `maxBodyBytes`, refused before sending. */
export function tooLarge(index: number, size: number, limit: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index}: body of ${size} bytes is over maxBodyBytes (${limit})`,
    {
      hint: 'raise `maxBodyBytes` (and the server\u2019s limit)',
      details: { option: 'maxBodyBytes' },
    },
  );
}
