import {
  defineTransport,
  kv,
  type TlsOptions,
  type Transport,
  type TransportDescriptor,
  tlsOptionFields,
  tlsOptionSetWhileOff,
} from '@edgeplane/adapter-loop/transport';
import { z } from 'zod';

/** How the source reads: one reader with its checkpoint in the lane, or a shared work queue. */
export type PostgresMode = 'single' | 'shared';

/**
 * Options of the PostgreSQL transport, as library users pass them (the adapter config may use
 * strings). The `tls*` options are the contract's (`TlsOptions`); TLS is on with `tls: true`.
 */
export interface PostgresTransportOptions extends TlsOptions {
  /** `postgres://[user[:password]@]host[:port]/database`. Default `postgres://postgres@127.0.0.1:5432/postgres`. */
  readonly url?: string | undefined;
  /** Role name; overrides a user in `url`. */
  readonly username?: string | undefined;
  /** Password (secret); overrides one in `url`. */
  readonly password?: string | undefined;
  /** The table (`name` or `schema.name`): read by the source, written by the sink. */
  readonly table: string;
  /** Create the table (and its columns) when missing. Default false. */
  readonly createTable?: boolean | undefined;
  /** Source: `single` (checkpoint in the lane) or `shared` (`FOR UPDATE SKIP LOCKED`). Default `single`. */
  readonly mode?: PostgresMode | undefined;
  /** Source: monotonic column rows are read in the order of (a `bigserial`). Default `id`. */
  readonly orderBy?: string | undefined;
  /** Source, shared mode: `delete` acknowledged rows or `mark` them done. Default `delete`. */
  readonly onAck?: 'delete' | 'mark' | undefined;
  /** Column set to `now()` when `onAck=mark`; rows with it NULL are pending. Default `done_at`. */
  readonly doneColumn?: string | undefined;
  /** Source: rows per fetch (`LIMIT`). Default 1000. */
  readonly batchSize?: number | undefined;
  /** Source: how often to look for new rows when idle, in ms. Default 1000. */
  readonly pollIntervalMs?: number | undefined;
  /** Both: `LISTEN` channel that wakes the source; the sink `NOTIFY`s it after each batch. */
  readonly notifyChannel?: string | undefined;
  /** Sink: `copy` (COPY FROM STDIN) or `insert` (multi-row INSERT). Default `copy`. */
  readonly writeMode?: 'copy' | 'insert' | undefined;
  /** Sink: skip rows whose `message_id` is already there (`ON CONFLICT DO NOTHING`). Default true. */
  readonly dedupe?: boolean | undefined;
  /** Column type of the payload: `bytea` (any bytes) or `text` (UTF-8 only). Default `bytea`. */
  readonly payloadType?: 'bytea' | 'text' | undefined;
  /** Payload column. Default `payload`. */
  readonly payloadColumn?: string | undefined;
  /** Key column (`text`). Default `key`. */
  readonly keyColumn?: string | undefined;
  /** Headers column (`jsonb`, an object of strings). Default `headers`. */
  readonly headersColumn?: string | undefined;
  /** Message-id column (`text`, unique). Default `message_id`. */
  readonly messageIdColumn?: string | undefined;
  /** Sink: largest body written, in bytes; a larger one fails alone (`too-large`). Default 256 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Connections of each transport's pool (shared mode holds one per unacknowledged batch). Default 4. */
  readonly maxConnections?: number | undefined;
  /** Connect timeout, in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Ceiling of the reconnect backoff of the source (50 ms doubling), in ms. Default 2000. */
  readonly reconnectMaxDelayMs?: number | undefined;
}

/** Default and ceiling of `maxBodyBytes`: 256 MiB, so a bytea field in COPY (hex, twice the size) stays under 1 GiB. */
export const DEFAULT_MAX_BODY_BYTES: number = 256 * 1024 * 1024;

/** The options after validation, with every default filled in. */
export interface ResolvedPostgresOptions extends TlsOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly table: string;
  readonly createTable: boolean;
  readonly mode: PostgresMode;
  readonly orderBy: string;
  readonly onAck: 'delete' | 'mark';
  readonly doneColumn: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly notifyChannel?: string | undefined;
  readonly writeMode: 'copy' | 'insert';
  readonly dedupe: boolean;
  readonly payloadType: 'bytea' | 'text';
  readonly payloadColumn: string;
  readonly keyColumn: string;
  readonly headersColumn: string;
  readonly messageIdColumn: string;
  readonly maxBodyBytes: number;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
}

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });

/** A column name: a plain SQL identifier (letters, digits, `_`, `$`), at most 63 bytes. */
const column = (fallback: string, description: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/,
      'expected a column name (letters, digits, _ and $, at most 63, not starting with a digit)',
    )
    .default(fallback)
    .meta({ description });

const url = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected a postgres://host:port/database URL (the value is not shown: it may hold a password)')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.search === '' && u.hash === '';
    } catch {
      return true; // reported above
    }
  }, 'expected no query string (`?sslmode=…`): give settings as options (`tls=true` for TLS)')
  .default('postgres://postgres@127.0.0.1:5432/postgres')
  .meta({
    description:
      'Server URL: `postgres://[user[:password]@]host[:port]/database` (port 5432 by default). A user name and password in the URL are used (percent-decoded) unless `username`/`password` are set. No query string: TLS is `tls=true`. Secret (it may carry a password): redacted wherever the config is printed; errors name only host:port.',
    type: 'url',
    secret: true,
  });

const schema = z.object({
  url,
  username: z.string().min(1).max(63).optional().meta({
    description: 'Role to connect as; overrides a user name in `url`. Default `postgres`.',
  }),
  password: kv.secret().optional().meta({
    description:
      'Password (SCRAM or md5, as the server asks); overrides one in `url`. Secret: redacted wherever the config is printed.',
  }),
  table: z
    .string()
    .regex(
      /^([A-Za-z_][A-Za-z0-9_$]{0,62}\.)?[A-Za-z_][A-Za-z0-9_$-]{0,62}$/,
      'expected a table name or schema.table (letters, digits, _, $ and -, at most 63 each)',
    )
    .meta({
      description:
        'The table: the source reads its rows (a view works in `mode=single`), the sink writes to it. `name` or `schema.name`; quoted as written (case kept).',
    }),
  createTable: kv.bool().default(false).meta({
    description:
      'Create the table when missing (`CREATE TABLE IF NOT EXISTS`): `orderBy` bigserial primary key, `messageIdColumn` text unique, `keyColumn` text, `headersColumn` jsonb, `payloadColumn` bytea or text, `doneColumn` timestamptz, `created_at` timestamptz. Without it a missing table is `not-found`.',
  }),
  mode: z.enum(['single', 'shared']).default('single').meta({
    description:
      'Source: `single`: one reader in `orderBy` order, the position (last `orderBy` value acknowledged) kept in the lane state dir after each ack; rows stay in the table. `shared`: several readers share the table as a work queue (`SELECT … FOR UPDATE SKIP LOCKED` in a transaction held until the ack, which deletes or marks the rows in that transaction; a reader that dies rolls back and its rows return).',
  }),
  orderBy: column(
    'id',
    'Source: the monotonic column rows are read in the order of (a bigserial or another increasing integer); its value is the position.',
  ),
  onAck: z.enum(['delete', 'mark']).default('delete').meta({
    description:
      'Source, `mode=shared`: what the ack does to the rows, in the transaction that locked them: `delete` them, or `mark` them done (`doneColumn = now()`; rows with it NULL are pending).',
  }),
  doneColumn: column(
    'done_at',
    'Source, `mode=shared` with `onAck=mark`: the timestamptz column set when a row is acknowledged.',
  ),
  batchSize: int(1, 100_000, 1000, 'Source: the most rows per fetch (`LIMIT`), one batch.'),
  pollIntervalMs: int(
    10,
    3_600_000,
    1000,
    'Source: when no row is there, look again after this many ms (a `NOTIFY` on `notifyChannel` wakes it sooner).',
  ),
  notifyChannel: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'expected a channel name (an identifier)')
    .optional()
    .meta({
      description:
        'Source: `LISTEN` on this channel and read as soon as a notification arrives (polling stays as the fallback). Sink: `NOTIFY` it in the transaction of each batch. Absent: polling only.',
    }),
  writeMode: z.enum(['copy', 'insert']).default('copy').meta({
    description:
      'Sink: each batch in one transaction by `COPY … FROM STDIN` (`copy`, fast) or by multi-row `INSERT` statements of up to 1000 rows (`insert`).',
  }),
  dedupe: kv.bool().default(true).meta({
    description:
      'Sink: a message that carries an ingress id is written with it in `messageIdColumn`, and a row with that id already there is skipped (`ON CONFLICT DO NOTHING`), so a batch sent again after a crash adds no duplicate. Needs a unique index on that column (`createTable` makes one). With COPY, rows go through a temporary table first. `false`: plain COPY/INSERT.',
  }),
  payloadType: z.enum(['bytea', 'text']).default('bytea').meta({
    description:
      'Type of `payloadColumn`: `bytea` carries any bytes; `text` stores UTF-8 (a body that is not valid UTF-8 or holds NUL is refused alone, `invalid-input`). The source reads either type.',
  }),
  payloadColumn: column('payload', 'The column of the message body.'),
  keyColumn: column('key', 'The column of the message key (text, NULL when none).'),
  headersColumn: column(
    'headers',
    'The column of the message headers (jsonb object of strings, NULL when none).',
  ),
  messageIdColumn: column(
    'message_id',
    'The column of the message id (text, unique): the id the ingress gave the message, NULL when it had none.',
  ),
  maxBodyBytes: int(
    1,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_BODY_BYTES,
    'Sink: largest body written, in bytes (`capabilities.maxBodyBytes`); a larger body is refused alone (`too-large`), the rest of its batch is written. The ceiling keeps a COPY field (bytea as hex: twice the bytes) under PostgreSQL’s 1 GiB field limit.',
  ),
  maxConnections: int(
    1,
    100,
    4,
    'Connections of this adapter (a pool). The source in `mode=shared` holds one per batch not yet acknowledged.',
  ),
  connectTimeoutMs: int(100, 600_000, 10_000, 'Time allowed to connect, in ms.'),
  reconnectMaxDelayMs: int(
    50,
    600_000,
    2000,
    'Ceiling of the source’s backoff (50 ms doubling) while the server is unreachable, in ms; the snapshot shows `reconnecting`.',
  ),
  ...tlsOptionFields,
});

/** How TLS is turned on for this transport: the hint of errors about TLS being off. */
export const TLS_ENABLE_HINT =
  'set tls=true (PostgreSQL negotiates TLS on its one port) with tlsCaFile for a private CA';

const checked = schema.superRefine((o, ctx) => {
  const set = tlsOptionSetWhileOff(o, o.tls === true);
  if (set)
    ctx.addIssue({
      code: 'custom',
      path: [set],
      message: `is set but TLS is off (it would be ignored): ${TLS_ENABLE_HINT}`,
    });
  if (o.mode === 'shared' && o.onAck === 'mark' && o.doneColumn === o.orderBy)
    ctx.addIssue({
      code: 'custom',
      path: ['doneColumn'],
      message: 'must differ from `orderBy`',
    });
});

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'PostgreSQL: a table as a queue (ordered reads with a lane checkpoint, or FOR UPDATE SKIP LOCKED), LISTEN/NOTIFY; COPY or INSERT egress';

/** Builds the descriptor from the (private) zod schema. */
export function definePostgresTransport(
  create: (options: ResolvedPostgresOptions) => Transport,
): TransportDescriptor<ResolvedPostgresOptions> {
  return defineTransport({ name: 'postgres', summary: SUMMARY, options: checked, create });
}

// Compile-time check: the hand-written interfaces and the schema agree (both directions).
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedPostgresOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedPostgresOptions;
const _inputIsAccepted: z.input<typeof schema> = {} as PostgresTransportOptions;
