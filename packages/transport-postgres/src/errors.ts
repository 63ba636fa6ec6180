import {
  classifyTlsError,
  EdgeplaneError,
  type ErrorCode,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';
import { TLS_ENABLE_HINT } from './options.js';

/** The component name in every message of this package. */
export const COMPONENT = 'transport:postgres';

interface Rule {
  readonly code: ErrorCode;
  readonly text: string;
  readonly hint?: string;
}

// Socket errno codes and the client's own connection codes (never message text).
const ERRNO: Readonly<Record<string, Rule>> = {
  // conformance "an unreachable server gives unavailable or not-found"
  ECONNREFUSED: {
    code: 'unavailable',
    text: 'connection refused',
    hint: 'start PostgreSQL there, or fix `url`',
  },
  // errors.test.ts "socket errors"; test/server-restart.test.ts
  ECONNRESET: { code: 'unavailable', text: 'connection reset by the server' },
  EPIPE: { code: 'unavailable', text: 'connection closed by the server' },
  EHOSTUNREACH: { code: 'unavailable', text: 'host unreachable' },
  ENETUNREACH: { code: 'unavailable', text: 'network unreachable' },
  ETIMEDOUT: { code: 'unavailable', text: 'connect timed out' },
  ENOTFOUND: { code: 'unavailable', text: 'host not found', hint: 'check the host in `url`' },
  EAI_AGAIN: { code: 'unavailable', text: 'temporary failure resolving the host' },
  // postgres (porsager) connection codes
  CONNECT_TIMEOUT: {
    code: 'unavailable',
    text: 'connect timed out',
    hint: 'check that `url` points at a reachable server, or raise `connectTimeoutMs`',
  },
  CONNECTION_CLOSED: { code: 'unavailable', text: 'the connection was closed' },
  CONNECTION_ENDED: { code: 'unavailable', text: 'the connection was ended' },
  CONNECTION_DESTROYED: { code: 'unavailable', text: 'the connection was destroyed' },
};

// SQLSTATE by exact code, then by class (first two characters). PostgreSQL Appendix A.
const SQLSTATE: Readonly<Record<string, Rule>> = {
  // errors.test.ts "wrong password"; apps/edgeplane/test/tls/postgres.test.ts "a wrong password"
  '28P01': {
    code: 'unauthenticated',
    text: 'password authentication failed',
    hint: 'check `password` (and `username`) for this server',
  },
  // errors.test.ts "missing table"
  '42P01': {
    code: 'not-found',
    text: 'the table does not exist',
    hint: 'create it, or set `createTable=true` to create it on first run, or fix `table`',
  },
  '42703': {
    code: 'invalid-config',
    text: 'a column does not exist',
    hint: 'check `orderBy`, `payloadColumn`, `keyColumn`, `headersColumn`, `messageIdColumn` and `doneColumn` against the table',
  },
  '42P10': {
    code: 'invalid-config',
    text: 'there is no unique index on the message-id column for ON CONFLICT',
    hint: 'add a unique index on `messageIdColumn`, or set `dedupe=false`',
  },
  '3D000': {
    code: 'not-found',
    text: 'the database does not exist',
    hint: 'fix the database in `url`',
  },
  '57P01': { code: 'unavailable', text: 'the server is shutting down (admin shutdown)' },
  '57P02': { code: 'unavailable', text: 'the server crashed (crash shutdown)' },
  '57P03': { code: 'unavailable', text: 'the server is starting up' },
  '53300': { code: 'unavailable', text: 'too many connections' },
  '40001': { code: 'unavailable', text: 'serialization failure (retryable)' },
  '40P01': { code: 'unavailable', text: 'deadlock detected (retryable)' },
  '55P03': { code: 'unavailable', text: 'lock not available' },
  // The COPY probe after refused data (send.ts copyIn); the server log has the cause.
  '25P02': {
    code: 'invalid-input',
    text: 'the server refused the data of this batch (the transaction was aborted)',
    hint: 'check the table’s constraints and column types against the options (`payloadType`, columns); the server log names the row',
  },
  '25006': {
    code: 'permission-denied',
    text: 'the server is a read-only standby',
    hint: 'point `url` at the primary',
  },
};

const CLASS: Readonly<Record<string, Rule>> = {
  '08': { code: 'unavailable', text: 'connection exception' },
  '28': {
    code: 'unauthenticated',
    text: 'the server refused the connection (authorization)',
    hint: 'check `username` (the user) and `password`, and the server’s pg_hba.conf for this host',
  },
  '42': { code: 'invalid-config', text: 'the statement was refused' },
  '22': { code: 'invalid-input', text: 'data exception' },
  '23': { code: 'invalid-input', text: 'integrity constraint violation' },
  '53': { code: 'unavailable', text: 'insufficient resources' },
  '57': { code: 'unavailable', text: 'operator intervention' },
  '58': { code: 'unavailable', text: 'system error' },
  '40': { code: 'unavailable', text: 'transaction rollback' },
};

/** The SQLSTATE of a server error, if `error` is one. */
export function sqlState(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'PostgresError') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Where the failure happened, and what the adapter was configured with (never secrets). */
export interface ErrorContext {
  /** `COPY into table "t"`, `connect`, … */
  readonly action: string;
  /** `host:port` only. */
  readonly server: string;
  /** Whether TLS was on, and whether a client certificate was given. */
  readonly tls?: boolean | undefined;
  readonly clientCert?: boolean | undefined;
}

const where = (c: ErrorContext) => `cannot ${c.action} on ${c.server}`;

/**
 * Maps a native error (socket errno, the client's connection codes, a server error by SQLSTATE)
 * to an `EdgeplaneError`. TLS problems first (`classifyTlsError`).
 */
export function postgresError(error: unknown, context: ErrorContext): EdgeplaneError {
  if (isEdgeplaneError(error)) return error;
  const tls = classifyTlsError(error, { component: COMPONENT, server: context.server });
  if (tls) return tls;
  const at = where(context);
  const details = { server: context.server };
  const state = sqlState(error);
  if (state !== undefined) {
    const message = (error as Error).message.slice(0, 300);
    // pg_hba refused (28000): with TLS on and no client certificate, the likely cause is a
    // `clientcert=` rule; with TLS off, a `hostssl`-only rule. tls/postgres.test.ts pins both.
    // Only a pg_hba refusal: 28000 is also "role does not exist" (an authentication problem).
    const hba = /pg_hba\.conf|client certificate/i.test(message);
    if (state === '28000' && hba && context.tls && !context.clientCert)
      return new EdgeplaneError(
        'tls',
        COMPONENT,
        `${at}: the server refused the connection without a client certificate (28000: ${message}); option "tlsCertFile"`,
        {
          cause: error,
          details: { ...details, sqlstate: state, option: 'tlsCertFile' },
          hint: 'set `tlsCertFile` and `tlsKeyFile` to a client certificate the server’s CA signed',
        },
      );
    if (state === '28000' && hba && context.tls === false)
      return new EdgeplaneError(
        'tls',
        COMPONENT,
        `${at}: the server refused this plaintext connection (28000: ${message}); option "tls"`,
        {
          cause: error,
          details: { ...details, sqlstate: state, option: 'tls' },
          hint: TLS_ENABLE_HINT,
        },
      );
    const rule = SQLSTATE[state] ?? CLASS[state.slice(0, 2)];
    return new EdgeplaneError(
      rule?.code ?? 'internal',
      COMPONENT,
      `${at}: ${rule?.text ?? 'the server answered an error'} (${state}: ${message})`,
      { cause: error, details: { ...details, sqlstate: state }, hint: rule?.hint },
    );
  }
  const errno = (error as { code?: unknown } | undefined)?.code;
  const rule = typeof errno === 'string' ? ERRNO[errno] : undefined;
  if (rule)
    return new EdgeplaneError(rule.code, COMPONENT, `${at}: ${rule.text} (${String(errno)})`, {
      cause: error,
      details: { ...details, errno },
      hint: rule.hint,
    });
  const text = error instanceof Error ? error.message : String(error);
  return new EdgeplaneError('internal', COMPONENT, `${at}: ${text}`, { cause: error, details });
}

/** True for a refusal that no reconnect cures: credentials, TLS, a missing table or column. */
export function isPermanent(error: EdgeplaneError): boolean {
  return !error.retryable && error.code !== 'cancelled' && error.code !== 'internal';
}

/** `send` / `ack` / `open` after `close()`. */
export function closedError(): EdgeplaneError {
  return new EdgeplaneError('closed', COMPONENT, 'transport is closed');
}

/** An `open()` whose signal aborted. */
export function openCancelled(): EdgeplaneError {
  return new EdgeplaneError('cancelled', COMPONENT, 'open cancelled: the signal was aborted');
}

/** A `receive({ from })` that is not an integer position. */
export function badPosition(from: string): EdgeplaneError {
  return new EdgeplaneError(
    'invalid-input',
    COMPONENT,
    `position ${JSON.stringify(from)} is not a value of the \`orderBy\` column (an integer)`,
  );
}

/** A message the table cannot hold (text payload not UTF-8, NUL in a key or header). */
export function badMessage(index: number, why: string): EdgeplaneError {
  return new EdgeplaneError('invalid-input', COMPONENT, `message ${index} of the batch ${why}`, {
    details: { index },
  });
}

/** A body over `maxBodyBytes`: refused alone, never sent. */
export function tooLarge(index: number, size: number, limit: number): EdgeplaneError {
  return new EdgeplaneError(
    'too-large',
    COMPONENT,
    `message ${index} of the batch has a body of ${size} bytes, over \`maxBodyBytes\` (${limit} bytes)`,
    {
      details: { index, size, limit },
      hint: 'split or shrink the message upstream, or raise `maxBodyBytes`',
    },
  );
}

/** The connection is down: the text names the last error. */
export function connectionDown(context: ErrorContext, last?: EdgeplaneError): EdgeplaneError {
  const lastText = last?.message.replace(/^\[[^\]]+\] /, '');
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `${where(context)}: the connection is down (reconnecting${lastText ? `; last error: ${lastText}` : ''})`,
    { cause: last, details: { server: context.server }, hint: last?.hint },
  );
}

/**
 * The table lacks columns the role uses, or one has the wrong type (doctor's `columns` check;
 * test/check.test.ts "a missing column, a payload of the wrong type"). Each problem names the
 * option that names the column.
 */
export function badColumns(
  table: string,
  server: string,
  problems: readonly { readonly option: string; readonly text: string }[],
): EdgeplaneError {
  const options = [...new Set(problems.map((p) => `\`${p.option}\``))].join(', ');
  return new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `table ${JSON.stringify(table)} on ${server}: ${problems.map((p) => p.text).join('; ')}`,
    {
      details: { server, table, options: problems.map((p) => p.option) },
      hint: `set ${options} to the table's columns, or change the table`,
    },
  );
}

/**
 * The role lacks privileges the transport's statements need (doctor's `privileges` check;
 * test/check.test.ts "a role without INSERT"). `grants` are the statements that fix it.
 */
export function missingPrivileges(
  role: string,
  server: string,
  missing: readonly string[],
  grants: readonly string[],
): EdgeplaneError {
  return new EdgeplaneError(
    'permission-denied',
    COMPONENT,
    `role ${JSON.stringify(role)} on ${server} lacks ${missing.join(', ')}`,
    {
      details: { server, role, missing },
      hint: `${grants.join('; ')} (as the table's owner), or set \`username\` to a role that has them`,
    },
  );
}
