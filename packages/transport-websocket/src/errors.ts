import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:websocket';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  readonly hint?: string;
}

// Socket errors by errno code (never by message text). The test that pins each rule is named.
const ERRNO: Readonly<Record<string, Rule>> = {
  // conformance "an unreachable server gives unavailable or not-found"
  ECONNREFUSED: {
    code: 'unavailable',
    text: 'connection refused',
    hint: 'start the WebSocket ingress there, or fix `url`',
  },
  // errors.test.ts "socket errors"; test/peer-restart.test.ts (the peer goes away mid-run)
  ECONNRESET: { code: 'unavailable', text: 'connection reset by the peer' },
  EPIPE: { code: 'unavailable', text: 'connection closed by the peer' },
  ECONNABORTED: { code: 'unavailable', text: 'connection aborted' },
  EHOSTUNREACH: { code: 'unavailable', text: 'host unreachable' },
  ENETUNREACH: { code: 'unavailable', text: 'network unreachable' },
  EADDRNOTAVAIL: { code: 'unavailable', text: 'address not available' },
  ETIMEDOUT: { code: 'unavailable', text: 'connect timed out' },
  ENOTFOUND: { code: 'unavailable', text: 'host not found', hint: 'check the host in `url`' },
  EAI_AGAIN: { code: 'unavailable', text: 'temporary failure resolving the host' },
  // listen(): errors.test.ts "listen errors"
  EADDRINUSE: {
    code: 'unavailable',
    text: 'the address is already in use',
    hint: 'stop what listens there, or choose another port in `listen`',
  },
  EACCES: {
    code: 'permission-denied',
    text: 'not allowed to listen there',
    hint: 'choose a port ≥ 1024 in `listen`',
  },
  // ws receiver errors (RFC 6455 violations and `maxPayload`): errors.test.ts "ws receiver errors"
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: {
    code: 'too-large',
    text: 'a frame over `maxPayload`',
    hint: 'raise `maxPayload` on both sides, or send smaller messages',
  },
  WS_ERR_INVALID_UTF8: { code: 'protocol', text: 'a text frame that is not UTF-8' },
  WS_ERR_INVALID_OPCODE: { code: 'protocol', text: 'an invalid frame opcode' },
  WS_ERR_EXPECTED_MASK: { code: 'protocol', text: 'an unmasked client frame' },
  WS_ERR_UNEXPECTED_MASK: { code: 'protocol', text: 'a masked server frame' },
};

// HTTP statuses answered to the upgrade request (ws's `unexpected-response`).
// errors.test.ts "upgrade refused"; test/peers.test.ts pins 401 end to end.
function statusRule(status: number): Rule {
  if (status === 401)
    return {
      code: 'unauthenticated',
      text: 'the peer refused the bearer token (401)',
      hint: 'set `authToken` to the token the peer expects',
    };
  if (status === 403)
    return {
      code: 'permission-denied',
      text: 'the peer forbids this client (403)',
      hint: 'check `authToken` and the peer’s access rules',
    };
  if (status === 404)
    return {
      code: 'not-found',
      text: 'no WebSocket endpoint at this path (404)',
      hint: 'fix the path of `url` (the ingress’s `path`)',
    };
  if (status === 400 || status === 426)
    return {
      code: 'protocol',
      text: `the peer refused the upgrade (${status})`,
      hint: 'set the same `ackProtocol` on both sides (`edgeplane.v1` or `none`)',
    };
  if (status === 408 || status === 429 || status >= 500)
    return { code: 'unavailable', text: `the peer is busy or failing (${status})` };
  return { code: 'protocol', text: `the peer answered the upgrade with HTTP ${status}` };
}

/** Where and what: `cannot connect to 127.0.0.1:8080`. Never holds the token. */
export interface ErrorContext {
  /** `connect`, `send to`, `listen on`… */
  readonly action: string;
  /** `host:port` only. */
  readonly server: string;
}

/**
 * Maps a native error (socket errno, ws receiver error, TLS) to an `EdgeplaneError`, keyed on
 * `err.code`; TLS problems first (`classifyTlsError`: a permanent `tls` error naming the option).
 */
export function wsError(error: unknown, context: ErrorContext): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  // apps/edgeplane/test/tls/websocket.test.ts pins each TLS case end to end.
  const tls = classifyTlsError(error, { component: COMPONENT, server: context.server });
  if (tls) return tls;
  const at = `cannot ${context.action} ${context.server}`;
  const errno = (error as { code?: unknown } | undefined)?.code;
  const rule = typeof errno === 'string' ? ERRNO[errno] : undefined;
  if (rule)
    return new EdgeplaneError(rule.code, COMPONENT, `${at}: ${rule.text} (${errno})`, {
      cause: error,
      details: { server: context.server, errno },
      hint: rule.hint,
    });
  const cause = error instanceof Error ? error.message : String(error);
  return new EdgeplaneError('unavailable', COMPONENT, `${at}: ${cause}`, {
    cause: error,
    details: { server: context.server },
  });
}

/** The upgrade was answered with an HTTP status instead of 101. */
export function upgradeRefused(status: number, context: ErrorContext): EdgeplaneError {
  const rule = statusRule(status);
  return new EdgeplaneError(
    rule.code,
    COMPONENT,
    `cannot ${context.action} ${context.server}: ${rule.text}`,
    { details: { server: context.server, status }, hint: rule.hint },
  );
}

/** The peer did not select the subprotocol asked for (or selected one not asked for). */
export function protocolMismatch(
  wanted: string | undefined,
  got: string,
  context: ErrorContext,
): EdgeplaneError {
  const said = got === '' ? 'no subprotocol' : `subprotocol "${got}"`;
  return new EdgeplaneError(
    'protocol',
    COMPONENT,
    `cannot ${context.action} ${context.server}: asked for ${wanted ? `subprotocol "${wanted}"` : 'no subprotocol'}, the peer chose ${said}; option "ackProtocol"`,
    {
      details: { server: context.server, option: 'ackProtocol' },
      hint: 'set the same `ackProtocol` on both sides (`edgeplane.v1` or `none`)',
    },
  );
}

// Close codes (RFC 6455 §7.4.1) seen by a sender. errors.test.ts "close codes".
const CLOSE: Readonly<Record<number, Rule>> = {
  1002: { code: 'protocol', text: 'the peer closed: protocol error (1002)' },
  1003: { code: 'protocol', text: 'the peer closed: unsupported data (1003)' },
  1007: { code: 'invalid-input', text: 'the peer closed: invalid frame payload (1007)' },
  1008: { code: 'permission-denied', text: 'the peer closed: policy violation (1008)' },
  1009: {
    code: 'too-large',
    text: 'the peer closed: message too big (1009)',
    hint: 'raise `maxPayload` on the peer, or lower it here so that the egress refuses the message alone',
  },
};

/** A connection that closed (or was lost) with `code`: retryable unless the code says otherwise. */
export function closedByPeer(code: number, context: Pick<ErrorContext, 'server'>): EdgeplaneError {
  const rule = CLOSE[code] ?? {
    code: 'unavailable' as const,
    text:
      code === 1006 ? 'the connection was lost (1006)' : `the peer closed the connection (${code})`,
  };
  return new EdgeplaneError(rule.code, COMPONENT, `${context.server}: ${rule.text}`, {
    details: { server: context.server, close_code: code },
    hint: rule.hint,
  });
}

/** True for a refusal no reconnect can cure: credentials, TLS, a protocol mismatch, a wrong path. */
export function isPermanentRefusal(error: EdgeplaneError): boolean {
  return !error.retryable;
}

/** The connection is down: `… the connection is down (reconnecting; last error: …)`. */
export function connectionDown(server: string, last?: EdgeplaneError): EdgeplaneError {
  const lastText = last?.message.replace(/^\[[^\]]+\] /, '');
  const why = lastText ? `reconnecting; last error: ${lastText}` : 'reconnecting';
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `cannot send to ${server}: the connection is down (${why})`,
    { cause: last, details: { server }, hint: last?.hint },
  );
}

/** No ack for a batch within `ackTimeoutMs`. */
export function ackTimeout(server: string, ms: number, waiting: number): EdgeplaneError {
  return new EdgeplaneError(
    'timeout',
    COMPONENT,
    `send to ${server}: ${waiting} message(s) not acknowledged within ${ms} ms (\`ackTimeoutMs\`)`,
    { details: { server } },
  );
}

/** A body over `maxPayload`: refused alone, never sent. */
export function tooLarge(index: number, size: number, limit: number, what: string): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch has ${what} of ${size} bytes, over the limit (${limit} bytes)`,
    {
      details: { index, size, limit },
      hint: 'split or shrink the message upstream, or raise `maxPayload` on both sides',
    },
  );
}

/** A message the peer refused with a nack frame. */
export function refusedByPeer(index: number, code: string, reason: string): EdgeplaneError {
  const known: ErrorCode = code === 'too-large' ? 'too-large' : 'invalid-input';
  return new EdgeplaneError(
    known,
    COMPONENT,
    `message ${index} of the batch was refused by the peer: ${reason || code}`,
    { details: { index, peer_code: code } },
  );
}

/** A body that cannot be a text frame (`frameType=text`). */
export function notUtf8(index: number): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `message ${index} of the batch is not UTF-8 and cannot be a text frame`,
    { details: { index }, hint: 'set `frameType=binary`' },
  );
}

/** `send` / `ack` / `open` after `close()`. */
export function closedError(): EdgeplaneError {
  return new EdgeplaneError('closed', COMPONENT, 'transport is closed');
}

/** An `open()` whose signal aborted. */
export function openCancelled(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'open cancelled: the signal was aborted');
}

/** A `send` whose signal aborted. */
export function sendCancelled(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted');
}

/** `send()` on a transport without `url`. */
export function noUrl(): EdgeplaneError {
  return new EdgeplaneError('invalid-config', COMPONENT, 'option "url" is required to send', {
    details: { option: 'url' },
    hint: 'set `url=ws://host:port/path` (the egress dials it)',
  });
}
