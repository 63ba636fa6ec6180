import { Code, ConnectError } from '@connectrpc/connect';
import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:grpc';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  readonly hint?: string;
}

// Socket and HTTP/2 errors found in the cause chain, by their Node `code` (never by message
// text). All are connection problems: retryable. The test that pins each rule is named.
const NODE: Readonly<Record<string, Rule>> = {
  // conformance "an unreachable server gives unavailable or not-found"; errors.test.ts
  ECONNREFUSED: {
    code: 'unavailable',
    text: 'connection refused',
    hint: 'start the gRPC server there (an edgeplane ingress with `listen=`), or fix `url`',
  },
  // test/peer-restart.test.ts (the ingress killed mid-call)
  ECONNRESET: { code: 'unavailable', text: 'connection reset by the server' },
  EPIPE: { code: 'unavailable', text: 'connection closed by the server' },
  ECONNABORTED: { code: 'unavailable', text: 'connection aborted' },
  EHOSTUNREACH: { code: 'unavailable', text: 'host unreachable' },
  ENETUNREACH: { code: 'unavailable', text: 'network unreachable' },
  EADDRNOTAVAIL: { code: 'unavailable', text: 'address not available' },
  ETIMEDOUT: {
    code: 'unavailable',
    text: 'connect timed out',
    hint: 'check that `url` points at a reachable server, or raise `connectTimeoutMs`',
  },
  // errors.test.ts "unknown host"
  ENOTFOUND: { code: 'unavailable', text: 'host not found', hint: 'check the host in `url`' },
  EAI_AGAIN: { code: 'unavailable', text: 'temporary failure resolving the host' },
  ERR_HTTP2_GOAWAY_SESSION: { code: 'unavailable', text: 'the server closed the connection' },
  ERR_HTTP2_SESSION_ERROR: { code: 'unavailable', text: 'the HTTP/2 connection failed' },
  ERR_HTTP2_STREAM_CANCEL: { code: 'unavailable', text: 'the HTTP/2 stream was cancelled' },
  ERR_HTTP2_STREAM_ERROR: { code: 'unavailable', text: 'the HTTP/2 stream failed' },
  ERR_HTTP2_ERROR: { code: 'unavailable', text: 'HTTP/2 protocol error' },
  ERR_HTTP2_INVALID_SESSION: { code: 'unavailable', text: 'the HTTP/2 connection is gone' },
  ERR_STREAM_PREMATURE_CLOSE: { code: 'unavailable', text: 'the connection closed mid-call' },
};

// gRPC status codes of an answer (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
// errors.test.ts pins every row; the retryable ones are those issue 7 names.
const STATUS: Readonly<Record<number, Rule>> = {
  // test/grpc.test.ts "backpressure": the ingress's window is full
  [Code.ResourceExhausted]: {
    code: 'unavailable',
    text: 'the server is out of capacity (RESOURCE_EXHAUSTED)',
  },
  // test/grpc.test.ts "shutdown": the ingress is closing
  [Code.Unavailable]: { code: 'unavailable', text: 'the server is unavailable (UNAVAILABLE)' },
  [Code.Aborted]: { code: 'unavailable', text: 'the call was aborted (ABORTED)' },
  [Code.DeadlineExceeded]: {
    code: 'timeout',
    text: 'no answer before the deadline (DEADLINE_EXCEEDED)',
    hint: 'the server took longer than `timeoutMs`; raise it if its egress is slow',
  },
  // test/grpc.test.ts "a wrong authToken"; apps/edgeplane/test/tls/grpc.test.ts "a wrong password"
  [Code.Unauthenticated]: {
    code: 'unauthenticated',
    text: 'the server refused the credentials (UNAUTHENTICATED)',
    hint: 'set `authToken` to the bearer token the server expects (from an environment variable referenced in the adapter config)',
  },
  [Code.PermissionDenied]: {
    code: 'permission-denied',
    text: 'the server refused the call (PERMISSION_DENIED)',
    hint: 'check that `authToken` may call this method',
  },
  // test/grpc.test.ts "an oversized body at the ingress": the loop then sends one at a time
  [Code.InvalidArgument]: {
    code: 'invalid-input',
    text: 'the server refused the batch (INVALID_ARGUMENT)',
  },
  [Code.FailedPrecondition]: {
    code: 'invalid-input',
    text: 'the server refused the batch (FAILED_PRECONDITION)',
  },
  [Code.OutOfRange]: { code: 'invalid-input', text: 'the server refused the batch (OUT_OF_RANGE)' },
  // errors.test.ts "unimplemented": a server without that method
  [Code.Unimplemented]: {
    code: 'not-found',
    text: 'the server does not serve this method (UNIMPLEMENTED)',
    hint: 'check `method` (package.Service/Method) and `url`',
  },
  [Code.NotFound]: { code: 'not-found', text: 'the server answered NOT_FOUND' },
  [Code.AlreadyExists]: { code: 'conflict', text: 'the server answered ALREADY_EXISTS' },
  [Code.Canceled]: { code: 'unavailable', text: 'the call was cancelled (CANCELLED)' },
  [Code.Unknown]: { code: 'internal', text: 'the server failed (UNKNOWN)' },
  [Code.Internal]: { code: 'internal', text: 'the server failed (INTERNAL)' },
  [Code.DataLoss]: { code: 'internal', text: 'the server reported data loss (DATA_LOSS)' },
};

function* causes(error: unknown): Generator<unknown> {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    yield e;
    e = (e as { cause?: unknown }).cause;
  }
}

/** The first Node error code (`ECONNREFUSED`, `ERR_HTTP2_…`) in the cause chain with a rule. */
export function nodeCode(error: unknown): string | undefined {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NODE[code]) return code;
  }
  return undefined;
}

/** What failed: `cannot call edgeplane.v1.IngestService/Ingest on 127.0.0.1:50051`. */
export interface ErrorContext {
  readonly method: string;
  /** `host:port` only. */
  readonly server: string;
}

/**
 * Maps an error of a call (a `ConnectError`, or a Node error under it) to an `EdgeplaneError`:
 * TLS problems first (permanent `tls`, naming the option), then a socket or HTTP/2 error code in
 * the cause chain (`unavailable`), then the gRPC status code of the answer.
 */
export function grpcError(error: unknown, context: ErrorContext): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  const tls = classifyTlsError(error, { component: COMPONENT, server: context.server });
  if (tls) return tls;
  const at = `cannot call ${context.method} on ${context.server}`;
  const details = { server: context.server, method: context.method };
  const errno = nodeCode(error);
  if (errno) {
    const rule = NODE[errno] as Rule;
    return new EdgeplaneError(rule.code, COMPONENT, `${at}: ${rule.text} (${errno})`, {
      cause: error,
      details: { ...details, errno },
      hint: rule.hint,
    });
  }
  const ce = ConnectError.from(error);
  const rule = STATUS[ce.code] ?? {
    code: 'internal',
    text: `the call failed (${Code[ce.code] ?? ce.code})`,
  };
  // The server's own message (never a credential: tokens are sent, not echoed), cut short.
  const raw = ce.rawMessage.length > 200 ? `${ce.rawMessage.slice(0, 200)}…` : ce.rawMessage;
  return new EdgeplaneError(rule.code, COMPONENT, `${at}: ${rule.text}${raw ? `: ${raw}` : ''}`, {
    cause: error,
    details: { ...details, grpc_code: Code[ce.code] },
    hint: rule.hint,
  });
}

/** The server's pushback (`grpc-retry-pushback-ms`, gRPC retry design A6), in ms, if any. */
export function pushbackMs(error: unknown): number | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  const value = error.metadata.get('grpc-retry-pushback-ms');
  if (value === null || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

/** True for a refusal no retry can cure: credentials, permissions, TLS. */
export function isPermanentRefusal(error: EdgeplaneError): boolean {
  return (
    error.code === 'unauthenticated' || error.code === 'permission-denied' || error.code === 'tls'
  );
}

/** A body over `maxBodyBytes`: refused alone, never sent. */
export function tooLarge(index: number, size: number, limit: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch has a body of ${size} bytes, over \`maxBodyBytes\` (${limit} bytes)`,
    {
      details: { index, size, limit },
      hint: 'split or shrink the message upstream, or raise `maxBodyBytes` here and at the server',
    },
  );
}

/** A batch whose encoded request is over `maxRequestBytes`. */
export function requestTooLarge(size: number, limit: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `the batch encodes to ${size} bytes, over \`maxRequestBytes\` (${limit} bytes)`,
    {
      details: { size, limit },
      hint: 'lower the egress batch size (`egress.batchMaxBytes`) or raise `maxRequestBytes` here and at the server',
    },
  );
}

/** The role needs an option that is not set (`listen` for the ingress, `url` for the egress). */
export function missingForRole(option: 'listen' | 'url', role: string): EdgeplaneError {
  const example = option === 'listen' ? 'listen=127.0.0.1:50051' : 'url=http://127.0.0.1:50051';
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `option "${option}" is required for the ${role}`,
    { details: { option }, hint: `set \`${example}\`` },
  );
}

/** The listen address cannot be bound. */
export function listenError(listen: string, error: unknown): EdgeplaneError {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'EADDRINUSE')
    return new EdgeplaneError(
      'unavailable',
      COMPONENT,
      `cannot listen on ${listen}: the address is in use (EADDRINUSE)`,
      {
        cause: error,
        details: { option: 'listen', errno: code },
        hint: 'stop the other server or pick another port in `listen`',
      },
    );
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL')
    return new EdgeplaneError(
      'invalid-config',
      COMPONENT,
      `cannot listen on ${listen}: ${code === 'EACCES' ? 'permission denied' : 'no such local address'} (${code}); option "listen"`,
      {
        cause: error,
        details: { option: 'listen', errno: code },
        hint: 'use a local address and a port above 1023 in `listen`',
      },
    );
  return EdgeplaneError.from(error, COMPONENT, 'unavailable');
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
export function cancelledError(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted');
}

/** The connection is down: the text of the `retryable` results while it is. */
export function connectionDown(context: ErrorContext, last: EdgeplaneError): EdgeplaneError {
  const lastText = last.message.replace(/^\[[^\]]+\] /, '');
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `cannot call ${context.method} on ${context.server}: the connection is down (reconnecting; last error: ${lastText})`,
    { cause: last, details: { server: context.server }, hint: last.hint },
  );
}

/** `receive()` on a transport that does not listen (not opened as the ingress). */
export function notListening(): EdgeplaneError {
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    'the ingress is not listening: open() it with role `ingress` (and `listen` set) before receive()',
  );
}

/**
 * The server answered OK but took only the first `accepted` of `sent` messages (it was stopping
 * mid-call): retryable, and the retry of the same batch sends only the rest.
 */
export function partlyTaken(context: ErrorContext, accepted: number, sent: number): EdgeplaneError {
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `${context.method} on ${context.server} took ${accepted} of ${sent} messages (the server is stopping); the rest is sent again`,
    { details: { server: context.server, accepted, sent } },
  );
}
