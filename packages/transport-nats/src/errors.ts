import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:nats';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  readonly hint?: string;
  /** The native message is the server's own `-ERR` text: keep it in ours. */
  readonly words?: boolean;
}

const AUTH_HINT =
  'check `user`/`password`, `token`, `credsFile`, `nkeySeedFile` (or the credentials inside the `servers` URL) for this server';

// nats.js `NatsError.code` values (ErrorCode enum; never the message text). The test that pins
// each rule is named beside it.
const CLIENT: Readonly<Record<string, Rule>> = {
  // conformance "an unreachable server gives unavailable or not-found"
  CONNECTION_REFUSED: {
    code: 'unavailable',
    text: 'connection refused',
    hint: 'start the NATS server or fix `servers`',
  },
  CONNECTION_TIMEOUT: { code: 'unavailable', text: 'connection timed out' },
  // transport.test.ts "reports reconnecting, then ready": a request in flight when the server went away
  DISCONNECT: { code: 'unavailable', text: 'disconnected from the server' },
  CONNECTION_CLOSED: { code: 'unavailable', text: 'the connection is closed' },
  CONNECTION_DRAINING: { code: 'closed', text: 'the connection is draining' },
  // errors.test.ts "maps client error codes"
  TIMEOUT: { code: 'timeout', text: 'no reply in time' },
  // transport.test.ts "bad credentials are unauthenticated"; faults.test.ts "restarted with
  // --user/--pass: failed with the server's words" (on a reconnect)
  AUTHORIZATION_VIOLATION: {
    code: 'unauthenticated',
    text: 'authorization violation',
    hint: AUTH_HINT,
    words: true,
  },
  BAD_AUTHENTICATION: { code: 'unauthenticated', text: 'bad authentication', hint: AUTH_HINT },
  AUTHENTICATION_EXPIRED: {
    code: 'unauthenticated',
    text: 'authentication expired',
    hint: 'renew the credentials (`credsFile`, `token`) for this server, then run again',
    words: true,
  },
  AUTHENTICATION_TIMEOUT: {
    code: 'unauthenticated',
    text: 'authentication timed out',
    hint: AUTH_HINT,
    words: true,
  },
  BAD_CREDS: { code: 'unauthenticated', text: 'bad credentials file', hint: AUTH_HINT },
  ACCOUNT_EXPIRED: {
    code: 'unauthenticated',
    text: 'account expired',
    hint: 'renew the account (its JWT) for this server, then run again',
    words: true,
  },
  // faults.test.ts "a publish the server's permissions deny": permanent
  PERMISSIONS_VIOLATION: {
    code: 'permission-denied',
    text: 'permissions violation',
    hint: 'grant the user publish/subscribe permission on the subject and on `$JS.API.>` on this server',
    words: true,
  },
  MAX_PAYLOAD_EXCEEDED: {
    code: 'too-large',
    text: "message larger than the server's max_payload",
    hint: "raise the server's `max_payload`, or lower `maxBodyBytes`",
  },
  BAD_SUBJECT: { code: 'invalid-input', text: 'bad subject' },
  BAD_HEADER: { code: 'invalid-input', text: 'bad header' },
  BAD_PAYLOAD: { code: 'invalid-input', text: 'bad payload' },
  INVALID_PAYLOAD: { code: 'invalid-input', text: 'invalid payload' },
  INVALID_OPTION: { code: 'invalid-config', text: 'invalid client option' },
  // A TLS failure classifyTlsError does not recognise (e.g. a client option nats.js refused).
  TLS: { code: 'tls', text: 'TLS failure', hint: 'check `tls` and the `tls*` options' },
  // errors.test.ts "TLS required but not offered": nats.js checks the server's INFO.
  SERVER_OPT_NA: {
    code: 'tls',
    text: 'the server does not offer an option this adapter requires (TLS); option "tls"',
    hint: 'turn TLS off for this server (no `tls=true`, `nats://` URLs), or configure TLS on the server',
  },
  NATS_PROTOCOL_ERR: { code: 'protocol', text: 'protocol error' },
  // "503": no responders. JetStream is not up yet after a server restart, or no stream takes the
  // subject; open() checks the stream, so during a run it is transient.
  '503': { code: 'unavailable', text: 'no responders (JetStream not ready, or no stream)' },
  '408': { code: 'timeout', text: 'request timed out on the server' },
};

// JetStream API errors by `api_error.err_code` (nats-server's errors.json).
const JETSTREAM: Readonly<Record<number, Rule>> = {
  // transport.test.ts "a missing stream is not-found unless createStream"
  10059: {
    code: 'not-found',
    text: 'stream not found',
    hint: 'create the stream, or set `createStream=true`',
  },
  // transport.test.ts "a missing consumer is not-found unless createConsumer"
  10014: {
    code: 'not-found',
    text: 'consumer not found',
    hint: 'create the durable consumer, or set `createConsumer=true`',
  },
  10039: {
    code: 'not-found',
    text: 'JetStream is not enabled',
    hint: 'start nats-server with -js',
  },
  10076: { code: 'not-found', text: 'JetStream is not enabled for the account' },
  10058: { code: 'conflict', text: 'a stream with that name exists with another configuration' },
  10065: { code: 'conflict', text: "the stream's subjects overlap another stream's" },
  10148: { code: 'conflict', text: 'a consumer with that name exists with another configuration' },
  10013: { code: 'conflict', text: 'a consumer with that name exists' },
  10071: { code: 'conflict', text: 'wrong last sequence' },
  10054: {
    code: 'too-large',
    text: "message larger than the stream's max_msg_size",
    hint: "raise the stream's `max_msg_size`, or lower `maxBodyBytes`",
  },
  10077: { code: 'unavailable', text: 'stream store failed (maximum messages or bytes reached?)' },
  10023: { code: 'unavailable', text: 'insufficient resources' },
  10008: { code: 'unavailable', text: 'JetStream cluster not available' },
};

// Fallback on the HTTP-like `api_error.code`.
const STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid-config',
  401: 'unauthenticated',
  403: 'permission-denied',
  404: 'not-found',
  408: 'timeout',
  409: 'conflict',
  413: 'too-large',
  500: 'internal',
  503: 'unavailable',
};

interface NativeError {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly api_error?: { code?: number; err_code?: number; description?: string };
  readonly chainedError?: unknown;
}

/** Removes `user:password@` from URLs in a text (servers may carry credentials). */
export function scrubUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

/** The servers of the options, without credentials, for messages. */
export function serversText(servers: readonly string[]): string {
  return servers.map(scrubUrls).join(',');
}

/**
 * Maps a native error from `action` to an `EdgeplaneError`:
 * `[transport:nats] cannot connect to nats://127.0.0.1:1: connection refused (CONNECTION_REFUSED)`.
 * Credentials in URLs never reach the message.
 */
export function natsError(
  error: unknown,
  action: string,
  fallback?: ErrorCode,
  server?: string,
): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  const native = (error ?? {}) as NativeError;
  // TLS first (tls-cases in apps/edgeplane/test/tls/nats.test.ts): a certificate problem is
  // permanent and names the option to fix. nats.js wraps Node's error as `chainedError`.
  const where = server ? scrubUrls(server) : undefined;
  const context = { component: COMPONENT, ...(where ? { server: where } : {}) };
  const tls = classifyTlsError(error, context) ?? classifyTlsError(native.chainedError, context);
  if (tls) return tls;
  const api = native.api_error;
  const jsRule = api?.err_code === undefined ? undefined : JETSTREAM[api.err_code];
  const code = typeof native.code === 'string' ? native.code : undefined;
  const clientRule = code === undefined ? undefined : CLIENT[code];
  let rule: Rule | undefined = jsRule ?? (api ? undefined : clientRule);
  if (!rule && api?.code !== undefined) {
    rule = { code: STATUS[api.code] ?? 'internal', text: api.description ?? 'JetStream error' };
  }
  const raw =
    error instanceof Error
      ? error.message
      : typeof native.message === 'string'
        ? native.message
        : String(error);
  // The server's own words (`'Authorization Violation'`) where the client passes them on.
  const words = rule?.words && raw && raw !== code ? `: ${raw}` : '';
  const what = rule
    ? `${api?.description && jsRule ? api.description : rule.text} (${api?.err_code ?? code}${words})`
    : raw;
  return new EdgeplaneError(
    rule?.code ?? fallback ?? 'internal',
    COMPONENT,
    scrubUrls(`${action}: ${what}`),
    {
      cause: error,
      details: { nats: code, errCode: api?.err_code },
      hint: rule?.hint?.replace('this server', server ? scrubUrls(server) : 'the server'),
    },
  );
}

/** True for a refusal that no reconnect can cure: credentials, permissions, TLS. */
export function isPermanent(error: EdgeplaneError): boolean {
  return (
    error.code === 'unauthenticated' || error.code === 'permission-denied' || error.code === 'tls'
  );
}

/**
 * The connection is down: `cannot publish to x: the connection is down (reconnecting; last
 * error: disconnected from nats://127.0.0.1:4222)`, with the last error the connection reported
 * (the cause) as `cause` and its hint.
 */
export function connectionDown(
  action: string,
  state: string,
  last: EdgeplaneError | undefined,
): EdgeplaneError {
  const lastText = last?.message.replace(/^\[[^\]]+\] /, '');
  const why = lastText ? `${state}; last error: ${lastText}` : state;
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `${action}: the connection is down (${why})`,
    {
      cause: last,
      hint: last?.hint,
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

/** A `send` whose signal was already aborted. */
export function cancelledError(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted');
}

/** An option the role needs but the options lack. */
export function missingOption(option: string, why: string): EdgeplaneError {
  return new EdgeplaneError('invalid-config', COMPONENT, `missing option \`${option}\`: ${why}`, {
    details: { option },
    hint: 'see docs/transports/nats.md for the options',
  });
}

/** A body over `maxBodyBytes` or the server's `max_payload`. */
export function tooLarge(
  index: number,
  bytes: number,
  limit: number,
  what: string,
): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch has ${bytes} bytes, over ${what} (${limit})`,
    { details: { index, bytes, limit }, hint: "raise `maxBodyBytes` and the server's max_payload" },
  );
}

/** A header that NATS cannot carry. */
export function badHeader(index: number, name: string, why: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `message ${index} of the batch: header ${JSON.stringify(name)} ${why}`,
    { details: { index, header: name } },
  );
}

/** A `receive({ from })` that is not a stream sequence. */
export function badPosition(from: string, why: string): EdgeplaneError {
  return new EdgeplaneError('invalid-input', COMPONENT, `position ${JSON.stringify(from)} ${why}`);
}

/** The stream exists but does not take the subject published to. */
export function subjectNotInStream(
  subject: string,
  stream: string,
  subjects: readonly string[],
): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `stream ${stream} does not take subject ${subject} (its subjects: ${subjects.join(', ') || 'none'})`,
    {
      details: { option: 'subject', stream, subject },
      hint: "publish to one of the stream's subjects, or add the subject to the stream",
    },
  );
}

/** The stream a source reads was deleted mid-run: its messages are gone, so this is permanent. */
export function streamDeleted(stream: string, servers: string): EdgeplaneError {
  return new EdgeplaneError(
    'not-found',
    COMPONENT,
    `stream ${stream} was deleted on ${servers} while reading it (stream not found); its messages are gone with it, so nothing is replayed or recreated`,
    {
      details: { stream },
      hint: `recreate stream ${stream} (or set \`createStream=true\`) and its durable consumer, and check what else removed it, then run again`,
    },
  );
}

/**
 * The durable consumer was deleted mid-run and `createConsumer` is false: permanent, with the
 * command that recreates it where this lane left off (`start`: first sequence not acknowledged).
 */
export function consumerDeleted(
  stream: string,
  durable: string,
  subject: string,
  start: number,
  servers: string,
): EdgeplaneError {
  return new EdgeplaneError(
    'not-found',
    COMPONENT,
    `durable consumer ${durable} of stream ${stream} was deleted on ${servers} while reading it (consumer not found); \`createConsumer\` is false, so it is not recreated`,
    {
      details: { stream, durable, resumeAt: start },
      hint: `recreate it where this lane left off: \`nats consumer add ${stream} ${durable} --pull --ack explicit --deliver ${start} --filter ${subject}\`, then run again (or set \`createConsumer=true\` to recreate it there automatically)`,
    },
  );
}

/**
 * JetStream does not answer (`$JS.API.INFO` has no responders): the server runs without `-js`,
 * or the account has no JetStream. Pinned by test/check.test.ts "a server without JetStream".
 */
export function jetStreamDisabled(): EdgeplaneError {
  return new EdgeplaneError(
    'not-found',
    COMPONENT,
    'cannot use JetStream: no responders to the JetStream API (503): JetStream is not enabled on the server or for the account',
    {
      details: { nats: '503' },
      hint: 'start nats-server with -js (or `jetstream {}` in its config) and enable JetStream for the account, or set `mode=core`',
    },
  );
}
