import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:redis-streams';

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
    hint: 'start Redis there, or fix `url`',
  },
  // errors.test.ts "socket errors"; cli.test.ts "server restart mid-run" (ECONNRESET / EPIPE)
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
};

// Redis reply errors by their error code: the first word of the reply, which is the protocol's
// stable error code (https://redis.io/docs/latest/develop/reference/protocol-spec/#simple-errors).
const REPLY: Readonly<Record<string, Rule>> = {
  // transport.test.ts "wrong password", "password required"
  WRONGPASS: {
    code: 'unauthenticated',
    text: 'invalid user name or password',
    hint: 'check `username` and `password` (or the credentials in `url`) for this server',
  },
  NOAUTH: {
    code: 'unauthenticated',
    text: 'the server requires a password',
    hint: 'set `password` (and `username` for an ACL user) for this server, from an environment variable referenced in the adapter config',
  },
  // transport.test.ts "ACL user without stream commands"
  NOPERM: {
    code: 'permission-denied',
    text: 'the ACL user may not run this command or touch this key',
    hint: 'grant the user `+@stream` and the stream key (`~<stream>`)',
  },
  // transport.test.ts "createGroup=false and no group"
  NOGROUP: {
    code: 'not-found',
    text: 'no such stream or consumer group',
    hint: 'create the group (`XGROUP CREATE <stream> <group> 0 MKSTREAM`) or set `createGroup=true`',
  },
  // transport.test.ts "the key holds another type"
  WRONGTYPE: {
    code: 'invalid-config',
    text: 'the key holds a value that is not a stream',
    hint: 'point `stream` at a stream key',
  },
  // Transient server states: the loop retries these with backoff.
  LOADING: { code: 'unavailable', text: 'the server is loading its data set' },
  BUSY: { code: 'unavailable', text: 'the server is busy running a script' },
  MASTERDOWN: { code: 'unavailable', text: 'the replica lost its primary' },
  TRYAGAIN: { code: 'unavailable', text: 'try again' },
  CLUSTERDOWN: { code: 'unavailable', text: 'the cluster is down' },
  // A replica, or a full server: writes fail until an operator acts.
  READONLY: {
    code: 'permission-denied',
    text: 'the server is a read-only replica',
    hint: 'point `url` at the primary',
  },
  OOM: {
    code: 'unavailable',
    text: 'the server is out of memory (maxmemory)',
    hint: 'trim the stream (`maxLen`), raise `maxmemory`, or let consumers catch up',
  },
  MOVED: {
    code: 'invalid-config',
    text: 'the key lives on another cluster node',
    hint: 'Redis Cluster is not supported: point `url` at a standalone server or a proxy',
  },
  ASK: {
    code: 'invalid-config',
    text: 'the key is migrating between cluster nodes',
    hint: 'Redis Cluster is not supported: point `url` at a standalone server or a proxy',
  },
  NOPROTO: { code: 'protocol', text: 'the server does not speak this protocol version' },
  EXECABORT: { code: 'invalid-input', text: 'the transaction was aborted' },
  // errors.test.ts "a bad id"; the catch-all of Redis ("ERR …") is an invalid request.
  ERR: { code: 'invalid-input', text: 'the server rejected the command' },
};

/** The Redis error code of a reply error (`NOGROUP`, `WRONGTYPE`, …), if `error` is one. */
export function replyCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return undefined;
  const word = /^[A-Z][A-Z_]+/.exec(error.message)?.[0];
  return word;
}

/** Text of a reply error without its code word, cut short (replies never carry credentials). */
function replyText(error: Error): string {
  const text = error.message.replace(/^[A-Z][A-Z_]+\s*/, '');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Where and what: `cannot XADD to stream "orders" on 127.0.0.1:6379`, `cannot connect to
 * 127.0.0.1:6379`. Never holds credentials.
 */
export interface ErrorContext {
  /** `XADD to stream "orders"`, `connect`, … */
  readonly action: string;
  /** `host:port` only (never the URL: it may hold a password). */
  readonly server: string;
  /** Word between the action and the server: `on` (default) or `to`. */
  readonly joiner?: 'on' | 'to' | undefined;
}

const where = (context: ErrorContext): string =>
  `cannot ${context.action} ${context.joiner ?? 'on'} ${context.server}`;

/**
 * Maps a native error (socket errno, Redis reply error, ioredis client error) to an
 * `EdgeplaneError`, keyed on `err.code`, the reply's error code word or the error class name.
 */
export function redisError(error: unknown, context: ErrorContext): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  // A certificate or handshake problem (unknown CA, expired, wrong host, client certificate
  // required, TLS spoken to a plaintext port): a permanent `tls` error naming the option to fix.
  // errors.test.ts "TLS"; apps/edgeplane/test/tls/redis.test.ts pins each case end to end.
  const tls = classifyTlsError(error, { component: COMPONENT, server: context.server });
  if (tls) return tls;
  const at = where(context);
  const details = { server: context.server };
  const reply = replyCode(error);
  if (reply !== undefined) {
    const rule = REPLY[reply];
    const text = `${rule?.text ?? 'the server answered an error'} (${reply}: ${replyText(error as Error)})`;
    const hint = rule?.hint?.replace('this server', context.server);
    return new EdgeplaneError(rule?.code ?? 'internal', COMPONENT, `${at}: ${text}`, {
      cause: error,
      details: { ...details, reply },
      hint,
    });
  }
  const errno = (error as { code?: unknown } | undefined)?.code;
  const rule = typeof errno === 'string' ? ERRNO[errno] : undefined;
  if (rule) {
    return new EdgeplaneError(rule.code, COMPONENT, `${at}: ${rule.text} (${String(errno)})`, {
      cause: error,
      details: { ...details, errno },
      hint: rule.hint,
    });
  }
  const name = error instanceof Error ? error.name : '';
  // ioredis: a command that was in flight when the connection dropped (we flush them at once,
  // `maxRetriesPerRequest: 0`) or was given while it is down (`enableOfflineQueue: false`).
  // cli.test.ts "server restart mid-run" pins both.
  if (name === 'MaxRetriesPerRequestError' || name === 'AbortError' || name === 'InterruptError') {
    return connectionLost(context, error);
  }
  const cause = error instanceof Error ? error.message : String(error);
  return new EdgeplaneError('internal', COMPONENT, `${at}: ${cause}`, {
    cause: error,
    details,
  });
}

/**
 * True for a refusal that no reconnect can cure: credentials or ACL (`NOAUTH`, `WRONGPASS`,
 * `NOPERM`) or TLS (a certificate problem, code `tls`).
 */
export function isPermanentRefusal(error: EdgeplaneError): boolean {
  return (
    error.code === 'unauthenticated' || error.code === 'permission-denied' || error.code === 'tls'
  );
}

/** `connect ECONNREFUSED 127.0.0.1:6391` from `[transport:redis-streams] cannot … : connection refused (ECONNREFUSED)`. */
function causeText(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/^\[[^\]]+\] /, '');
}

/**
 * The connection is down (reconnecting) or went down while the command was in flight. `last`
 * is the last error the connection reported (the cause), named in the message: `… the connection
 * is down (reconnecting; last error: cannot reconnect to 127.0.0.1:6391: connection refused
 * (ECONNREFUSED))`.
 */
export function connectionLost(
  context: ErrorContext,
  cause?: unknown,
  last?: EdgeplaneError,
): EdgeplaneError {
  const lastText = causeText(last);
  const why = lastText ? `reconnecting; last error: ${lastText}` : 'reconnecting';
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `${where(context)}: the connection is down (${why})`,
    {
      cause: last ?? cause,
      details: { server: context.server },
      hint: last?.hint,
    },
  );
}

/** A body over `maxBodyBytes` (or the server's `proto-max-bulk-len`): refused alone, never sent. */
export function tooLarge(
  index: number,
  size: number,
  limit: number,
  which: string,
): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch has a body of ${size} bytes, over ${which} (${limit} bytes)`,
    {
      details: { index, size, limit },
      hint: "split or shrink the message upstream, or raise `maxBodyBytes` (and the server's `proto-max-bulk-len`)",
    },
  );
}

/**
 * The group (or the stream with it) disappeared mid-run, and `createGroup` is false: a permanent
 * `not-found` naming what is gone and the fix (recreate it at the last acknowledged entry).
 */
export function groupGone(
  stream: string,
  group: string,
  streamGone: boolean,
  resumeAt: string,
  server: string,
  recreate = false,
): EdgeplaneError {
  const then = recreate
    ? `recreating it at entry ${resumeAt} (\`createGroup\` is true)`
    : '`createGroup` is false, so it is not recreated';
  const what = streamGone
    ? `stream ${JSON.stringify(stream)} (and with it group ${JSON.stringify(group)}) was deleted`
    : `consumer group ${JSON.stringify(group)} of stream ${JSON.stringify(stream)} was deleted`;
  return new EdgeplaneError(
    'not-found',
    COMPONENT,
    `${what} on ${server} while reading it (NOGROUP); ${then}`,
    {
      details: { server, stream, group, resumeAt },
      hint: `recreate it where this lane left off: \`XGROUP CREATE ${stream} ${group} ${resumeAt} MKSTREAM\`, then run again (or set \`createGroup=true\` to recreate it there automatically)`,
    },
  );
}

/** The server closed the connection without an error (a shutdown or restart). */
export function connectionClosed(server: string): EdgeplaneError {
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `lost the connection to ${server}: closed by the server (reconnecting)`,
    { details: { server } },
  );
}

/** A command that took longer than `commandTimeoutMs`. */
export function commandTimeout(context: ErrorContext, ms: number): EdgeplaneError {
  return new EdgeplaneError(
    'timeout',
    COMPONENT,
    `${where(context)}: no answer within ${ms} ms (\`commandTimeoutMs\`)`,
    { details: { server: context.server } },
  );
}

/** `WAIT` reached fewer replicas than `waitReplicas`. */
export function notReplicated(context: ErrorContext, got: number, want: number): EdgeplaneError {
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `${where(context)}: ${got} of ${want} replicas confirmed within \`waitTimeoutMs\``,
    { details: { server: context.server, replicas: got, waitReplicas: want } },
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

/** A `send` whose signal was already aborted. */
export function cancelledError(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted');
}

/** A `receive({ from })` that is not a stream entry id. */
export function badPosition(from: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `position ${JSON.stringify(from)} is not a stream entry id (such as 1700000000000-0)`,
  );
}

/** A header name that cannot be a field name, or a message the mapping cannot carry. */
export function badMessage(index: number, why: string): EdgeplaneError {
  return new EdgeplaneError('invalid-input', COMPONENT, `message ${index} of the batch ${why}`, {
    details: { index },
  });
}

/**
 * `ACL DRYRUN` says the user may not run commands the role needs (doctor's `permissions`
 * check; test/check.test.ts "an ACL user denied XADD / XACK"). `denied` holds the command and
 * the server's reason, e.g. `This user has no permissions to run the 'xadd' command`.
 */
export function aclDenied(
  user: string,
  stream: string,
  denied: readonly { readonly command: string; readonly reason: string }[],
  server: string,
): EdgeplaneError {
  const list = denied.map((d) => `${d.command} (${d.reason})`).join('; ');
  const grant = denied.map((d) => `+${d.command.toLowerCase().replace(' ', '|')}`).join(' ');
  return new EdgeplaneError(
    'permission-denied',
    COMPONENT,
    `ACL user \`${user}\` may not run what this role needs on ${server}: ${list}`,
    {
      details: { server, user, commands: denied.map((d) => d.command) },
      hint: `grant them and the stream key, e.g. \`ACL SETUSER ${user} ${grant} ~${stream}\`, or fix \`username\``,
    },
  );
}
