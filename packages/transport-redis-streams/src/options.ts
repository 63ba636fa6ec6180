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

/**
 * Options of the Redis Streams transport, as library users pass them (the adapter config may use
 * strings). The `tls*` options are the contract's (`TlsOptions`); TLS is on with `tls: true` or a
 * `rediss://` URL.
 */
export interface RedisStreamsTransportOptions extends TlsOptions {
  /** `redis://[user[:password]@]host:port[/db]` or `rediss://…` (TLS). Default `redis://127.0.0.1:6379`. */
  readonly url?: string | undefined;
  /** ACL user name (Redis 6+); overrides a user in `url`. */
  readonly username?: string | undefined;
  /** Password (secret: redacted wherever the config is printed); overrides one in `url`. */
  readonly password?: string | undefined;
  /** The stream key: read by the source, appended to by the sink. */
  readonly stream: string;
  /** Source: consumer group. Default `edgeplane`. */
  readonly group?: string | undefined;
  /** Source: consumer name within the group. Default: kept in the state dir, else host-pid-random. */
  readonly consumer?: string | undefined;
  /** Source: create the group (and the stream, `MKSTREAM`) when missing. Default true. */
  readonly createGroup?: boolean | undefined;
  /** Source: where a group created here starts: `0` (whole stream), `$` (new entries) or an id. Default `0`. */
  readonly startId?: string | undefined;
  /** Source: `COUNT` of each `XREADGROUP` / `XAUTOCLAIM`, the most messages per batch. Default 1024. */
  readonly batchMaxMessages?: number | undefined;
  /** Source: `BLOCK` of each `XREADGROUP`, in ms. Default 2000. */
  readonly blockMs?: number | undefined;
  /** Source: entries pending this long (ms) on any consumer are reclaimed with `XAUTOCLAIM`; 0 disables. Default 60000. */
  readonly claimMinIdleMs?: number | undefined;
  /** Source: how often to look for entries to reclaim, in ms (also once when receiving starts). Default 10000. */
  readonly claimIntervalMs?: number | undefined;
  /** Sink: trim with `XADD … MAXLEN ~ n`; absent means no trimming. */
  readonly maxLen?: number | undefined;
  /** Sink: largest body sent, in bytes; a larger one fails alone (`too-large`). Default 512 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Both: after each batch and each ack, `WAIT` for this many replicas. Default 0 (no WAIT). */
  readonly waitReplicas?: number | undefined;
  /** Both: timeout of that `WAIT`, in ms. Default 1000. */
  readonly waitTimeoutMs?: number | undefined;
  /** Field that carries the body. Default `body`. */
  readonly bodyField?: string | undefined;
  /** Field that carries the key. Default `key`. */
  readonly keyField?: string | undefined;
  /** Prefix of the fields that carry headers. Default `h:`. */
  readonly headerPrefix?: string | undefined;
  /** Connect timeout, in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Longest time a send, ack or lag command may take, in ms. Default 30000. */
  readonly commandTimeoutMs?: number | undefined;
  /** Ceiling of the reconnect backoff (50 ms doubling, with jitter), in ms. Default 2000. */
  readonly reconnectMaxDelayMs?: number | undefined;
}

/** Redis's default `proto-max-bulk-len`: the largest bulk string (one field) a server accepts. */
export const DEFAULT_MAX_BODY_BYTES: number = 512 * 1024 * 1024;

/** The options after validation, with every default filled in. */
export interface ResolvedRedisStreamsOptions extends TlsOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly stream: string;
  readonly group: string;
  readonly consumer?: string | undefined;
  readonly createGroup: boolean;
  readonly startId: string;
  readonly batchMaxMessages: number;
  readonly blockMs: number;
  readonly claimMinIdleMs: number;
  readonly claimIntervalMs: number;
  readonly maxLen?: number | undefined;
  readonly maxBodyBytes: number;
  readonly waitReplicas: number;
  readonly waitTimeoutMs: number;
  readonly bodyField: string;
  readonly keyField: string;
  readonly headerPrefix: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
}

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });
const name = (what: string) =>
  z
    .string()
    .min(1, `expected a non-empty ${what}`)
    .max(1024, `expected a ${what} of at most 1024 characters`);

/**
 * `redis://` or `rediss://`. Declared secret: `redis://:password@host` has no user name, which the
 * generic `user:password@` URL redaction does not catch. Its error never repeats the value.
 */
const url = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected a redis://host:port or rediss://host:port URL (the value is not shown: it may hold a password)')
  // Nothing in the URL is silently ignored: ioredis-style `?password=`/`?tls=` parameters are not
  // read here, and a database that is not a number would quietly become 0.
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.search === '' && u.hash === '' && /^\/?(\d{1,5})?$/.test(u.pathname);
    } catch {
      return true; // reported by the check above
    }
  }, 'expected no query or fragment and at most a database number as path (`redis://host:port/2`); give other settings as options')
  .default('redis://127.0.0.1:6379')
  .meta({
    description:
      'Server URL: `redis://[user[:password]@]host:port[/db]`; `rediss://` turns TLS on (like `tls=true`; `tls=false` with it is refused). A user name and password in the URL are used (percent-decoded) unless `username`/`password` are set. Secret (it may carry a password, `redis://:pw@host`): redacted wherever the config is printed; errors and snapshots name only host:port. Prefer `password` for the password.',
    type: 'url',
    secret: true,
  });

const schema = z.object({
  url,
  username: name('user name').optional().meta({
    description:
      'ACL user name (Redis 6+, `AUTH user password`); overrides a user name in `url`. Needs a password (here or in `url`).',
  }),
  password: kv.secret().optional().meta({
    description:
      'Password (`AUTH`; of the `default` user when no user name is given); overrides one in `url`. Secret: redacted wherever the config is printed.',
  }),
  stream: name('stream key').meta({
    description: 'The stream key: the source reads it through `group`, the sink appends to it.',
  }),
  group: name('group name')
    .default('edgeplane')
    .meta({ description: 'Source: the consumer group.' }),
  consumer: name('consumer name').optional().meta({
    description:
      'Source: the consumer name within the group. Default: a name made once per lane (host-pid-random, kept in `<stateDir>/redis-streams.consumer`, so a restart reads its own pending entries first); without a state dir, a new host-pid-random name per process.',
  }),
  createGroup: kv.bool().default(true).meta({
    description:
      'Source: create the group when missing (`XGROUP CREATE … MKSTREAM`, which also creates an empty stream). With `false`, a missing group is `not-found`.',
  }),
  startId: z
    .string()
    .regex(/^(\$|0|[0-9]+(-[0-9]+)?)$/, 'expected 0, $ or a stream id such as 1700000000000-0')
    .default('0')
    .meta({
      description:
        'Source: where a group created by this transport starts: `0` the whole stream, `$` only entries added from now on, or an entry id (exclusive). An existing group keeps its position.',
    }),
  batchMaxMessages: int(
    1,
    100_000,
    1024,
    'Source: `COUNT` of each `XREADGROUP` and `XAUTOCLAIM`: the most messages per batch (the loop may ask for fewer).',
  ),
  blockMs: int(
    10,
    600_000,
    2000,
    'Source: `BLOCK` of each `XREADGROUP` on its dedicated connection, in ms. Aborting and `close()` do not wait for it.',
  ),
  claimMinIdleMs: int(
    0,
    2_147_483_647,
    60_000,
    'Source: entries pending this long (ms) on any consumer of the group, e.g. one that died, are taken over with `XAUTOCLAIM`. `0` disables reclaiming. Keep it well above the longest time a live consumer holds a batch.',
  ),
  claimIntervalMs: int(
    100,
    86_400_000,
    10_000,
    'Source: how often to look for entries to reclaim, in ms; also once when receiving starts.',
  ),
  maxLen: kv.int(1, Number.MAX_SAFE_INTEGER).optional().meta({
    description:
      'Sink: trim the stream with `XADD … MAXLEN ~ n` (approximate, cheap). Absent: no trimming. Trimming can drop entries a group has not read yet.',
  }),
  maxBodyBytes: int(
    1,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_BODY_BYTES,
    "Sink: largest body sent, in bytes (`capabilities.maxBodyBytes`). A larger body is refused alone (`too-large`, the rest of its batch is written) without being sent. Also enforced: the server's `proto-max-bulk-len` when `CONFIG GET` may read it (a larger bulk makes Redis close the connection, which would fail the whole batch again and again).",
  ),
  waitReplicas: int(
    0,
    1000,
    0,
    'Both: after each batch and each ack, `WAIT` until this many replicas have it (within `waitTimeoutMs`); fewer is a retryable send failure. `0`: no `WAIT`.',
  ),
  waitTimeoutMs: int(1, 600_000, 1000, 'Both: timeout of that `WAIT`, in ms.'),
  bodyField: name('field name')
    .default('body')
    .meta({ description: 'The entry field that carries the body (bytes).' }),
  keyField: name('field name').default('key').meta({
    description: 'The entry field that carries the key (absent when a message has none).',
  }),
  headerPrefix: name('prefix').default('h:').meta({
    description:
      'Prefix of the fields that carry headers: header `x` is field `h:x`. Other unknown fields of entries written by someone else arrive as headers under their own name.',
  }),
  connectTimeoutMs: int(100, 600_000, 10_000, 'Time allowed to connect (and for `open()`), in ms.'),
  commandTimeoutMs: int(
    100,
    3_600_000,
    30_000,
    'Longest a send, an ack or a lag query may take, in ms; past it the send is a retryable `timeout`.',
  ),
  reconnectMaxDelayMs: int(
    50,
    600_000,
    2000,
    'Ceiling of the reconnect backoff after the server goes away (50 ms doubling, plus jitter), in ms. The client reconnects forever; the snapshot shows `reconnecting`.',
  ),
  // The contract's fields, descriptions unchanged (the same in every transport): `tls` is also
  // turned on by a `rediss://` URL, which the `url` description says.
  ...tlsOptionFields,
});

/** How TLS is turned on for this transport: the hint of errors about TLS being off. */
export const TLS_ENABLE_HINT = 'use a rediss:// URL or set tls=true for the TLS port';

/** Whether the options turn TLS on: `tls=true` or a `rediss://` URL. */
export function tlsEnabled(options: {
  readonly url: string;
  readonly tls?: boolean | undefined;
}): boolean {
  return options.tls === true || options.url.startsWith('rediss:');
}

/**
 * Checks across options, so `validate` refuses what `open()` would: a `tls*` option while TLS is
 * off (it would be ignored), `tls=false` with a `rediss://` URL, and a user name without any
 * password (ioredis sends no `AUTH` then: the user name would be silently ignored).
 */
const checked = schema.superRefine((o, ctx) => {
  const scheme = o.url.startsWith('rediss:') ? 'rediss' : 'redis';
  if (o.tls === false && scheme === 'rediss')
    ctx.addIssue({
      code: 'custom',
      path: ['tls'],
      message: 'is false but `url` is rediss:// (TLS); use a redis:// URL for plaintext',
    });
  const set = tlsOptionSetWhileOff(o, tlsEnabled(o));
  if (set)
    ctx.addIssue({
      code: 'custom',
      path: [set],
      message: `is set but TLS is off (it would be ignored): ${TLS_ENABLE_HINT}`,
    });
  let urlUser = false;
  let urlPassword = false;
  try {
    const u = new URL(o.url);
    urlUser = u.username !== '';
    urlPassword = u.password !== '';
  } catch {
    // reported by the url field itself
  }
  if ((o.username !== undefined || urlUser) && o.password === undefined && !urlPassword)
    ctx.addIssue({
      code: 'custom',
      path: [o.username !== undefined ? 'username' : 'url'],
      message:
        'a user name needs a password (Redis authenticates with `AUTH user password`); set `password`',
    });
});

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'Redis Streams: consumer-group ingress (XREADGROUP, XACK, XAUTOCLAIM), XADD egress; entry ids as positions';

/**
 * Builds the descriptor from the (private) zod schema: `parseOptions` rejects unknown or invalid
 * options with `invalid-config` naming the option, `describeOptions` feeds help and docs.
 */
export function defineRedisStreamsTransport(
  create: (options: ResolvedRedisStreamsOptions) => Transport,
): TransportDescriptor<ResolvedRedisStreamsOptions> {
  return defineTransport({ name: 'redis-streams', summary: SUMMARY, options: checked, create });
}

// Compile-time check: the hand-written interfaces and the schema agree (both directions).
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedRedisStreamsOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedRedisStreamsOptions;
const _inputIsAccepted: z.input<typeof schema> = {} as RedisStreamsTransportOptions;
