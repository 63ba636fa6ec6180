import {
  defineTransport,
  kv,
  type Transport,
  type TransportDescriptor,
  tlsOptionFields,
  tlsOptionSetWhileOff,
} from '@edgeplane/adapter-loop/transport';
import { z } from 'zod';
import { ENABLE_TLS_HINT } from './client.js';
import { type ResolvedKafkaOptions, SUMMARY, tlsSettings } from './options.js';

const MiB = 1024 * 1024;

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });
const bool = (fallback: boolean, description: string) =>
  kv.bool().default(fallback).meta({ description });
const path = (description: string) =>
  z.string().min(1, 'expected a non-empty path').meta({ description, type: 'path' });

/** The deprecated `ssl*` options (one release) and the `tls*` option each stands for. */
export const SSL_ALIASES = {
  ssl: 'tls',
  sslCaFile: 'tlsCaFile',
  sslCertFile: 'tlsCertFile',
  sslKeyFile: 'tlsKeyFile',
  sslVerify: 'tlsVerify',
} as const;

const deprecated = <T>(field: z.ZodType<T>, name: string) =>
  field.optional().meta({
    description: `Deprecated alias of \`${name}\`, kept for one release (setting both is an error).`,
  });

type Fail = (path: string, message: string) => void;

/** Which SASL options go together: the mechanism decides (user + password, or a token). */
function saslRules(
  o: {
    saslMechanism?: string | undefined;
    saslUsername?: string | undefined;
    saslPassword?: string | undefined;
    saslOauthBearerToken?: string | undefined;
    saslOauthBearerTokenFile?: string | undefined;
  },
  fail: Fail,
): void {
  const tokens = [o.saslOauthBearerToken, o.saslOauthBearerTokenFile];
  if (o.saslMechanism === 'oauthbearer') {
    if (tokens.every((x) => x === undefined))
      fail(
        'saslOauthBearerToken',
        'SASL/OAUTHBEARER needs `saslOauthBearerToken` or `saslOauthBearerTokenFile`',
      );
    if (tokens.every((x) => x !== undefined))
      fail(
        'saslOauthBearerTokenFile',
        'set either `saslOauthBearerToken` or `saslOauthBearerTokenFile`, not both',
      );
    for (const name of ['saslUsername', 'saslPassword'] as const)
      if (o[name] !== undefined) fail(name, `\`${name}\` is not used by SASL/OAUTHBEARER`);
    return;
  }
  if (tokens.some((x) => x !== undefined))
    fail(
      o.saslOauthBearerToken !== undefined ? 'saslOauthBearerToken' : 'saslOauthBearerTokenFile',
      'a bearer token needs `saslMechanism=oauthbearer`',
    );
  const sasl = [o.saslMechanism, o.saslUsername, o.saslPassword];
  if (sasl.some((x) => x !== undefined) && sasl.some((x) => x === undefined)) {
    const missing = !o.saslMechanism
      ? 'saslMechanism'
      : !o.saslUsername
        ? 'saslUsername'
        : 'saslPassword';
    fail(missing, 'SASL needs `saslMechanism`, `saslUsername` and `saslPassword` together');
  }
}

/**
 * The TLS options that go together, checked when the options are parsed (so `validate` reports
 * them); `loadTls` checks them again at open, with the files.
 */
function tlsRules(o: ResolvedKafkaOptions, fail: Fail): void {
  const t = tlsSettings(o);
  // the name the operator wrote: the deprecated alias when only it is set
  const named = (name: keyof typeof t): string => {
    const alias = Object.keys(SSL_ALIASES).find(
      (a) => SSL_ALIASES[a as keyof typeof SSL_ALIASES] === name,
    ) as keyof typeof SSL_ALIASES | undefined;
    return alias && o[name] === undefined && o[alias] !== undefined ? alias : name;
  };
  if (t.tls !== true) {
    const set = tlsOptionSetWhileOff(t, false);
    if (set) fail(named(set), `\`${named(set)}\` is set but TLS is off: ${ENABLE_TLS_HINT}`);
    return;
  }
  if ((t.tlsCertFile === undefined) !== (t.tlsKeyFile === undefined)) {
    const [missing, given] =
      t.tlsCertFile === undefined
        ? (['tlsCertFile', 'tlsKeyFile'] as const)
        : (['tlsKeyFile', 'tlsCertFile'] as const);
    // with the other one given under its deprecated name, name the missing one so too
    const name = named(given).startsWith('ssl') ? missing.replace(/^tls/, 'ssl') : missing;
    fail(name, 'mutual TLS needs `tlsCertFile` and `tlsKeyFile` together');
  }
  if (t.tlsKeyPassphrase !== undefined && t.tlsKeyFile === undefined)
    fail('tlsKeyPassphrase', '`tlsKeyPassphrase` is set without `tlsKeyFile`');
}

/** Kafka's legal topic names: 1–249 of `[a-zA-Z0-9._-]`, not `.` or `..`. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const topicName = z
  .string()
  .regex(TOPIC, 'expected 1-249 characters of a-z, A-Z, 0-9, ".", "_" or "-"')
  .refine((t) => t !== '.' && t !== '..', 'a topic cannot be "." or ".."');

/**
 * `host:port` entries. The message never echoes the value: a broker list with credentials
 * (`user:secret@host:9092`) must not end up in an error.
 */
const brokerList = z
  .unknown()
  .transform((v, ctx) => {
    const items = Array.isArray(v)
      ? v
      : typeof v === 'string'
        ? v.split(',').map((x) => x.trim())
        : [];
    const ok = (x: unknown) => {
      const m =
        typeof x === 'string' && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/.exec(x);
      return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
    };
    if (items.length === 0 || !items.every(ok)) {
      const withAt = items.some((x) => typeof x === 'string' && x.includes('@'));
      ctx.addIssue({
        code: 'custom',
        message: withAt
          ? 'expected host:port entries; credentials do not belong in broker addresses (use saslUsername / saslPassword)'
          : 'expected a comma-separated list of host:port entries (port 1-65535), e.g. 127.0.0.1:9092,kafka-2:9092',
      });
      return z.NEVER;
    }
    return items as string[];
  })
  .meta({
    type: 'list',
    description: 'Bootstrap brokers, `host:port`, comma-separated.',
  }) as unknown as z.ZodType<string[]>;

const schema = z
  .object({
    brokers: brokerList,
    topic: topicName
      .optional()
      .meta({ description: 'The topic: the sink produces to it, the source consumes it.' }),
    topics: kv.list().optional().meta({
      description:
        'Source: several topics to consume (instead of `topic`). A sink needs exactly one topic.',
    }),
    groupId: z.string().min(1).optional().meta({
      description:
        'Source: the consumer group. Offsets are committed to it after the egress has the messages. Required for the source role.',
    }),
    fromBeginning: bool(
      false,
      'Source: where a group without committed offsets starts: the oldest message (true) or new messages only (false).',
    ),
    clientId: z
      .string()
      .min(1)
      .default('edgeplane')
      .meta({ description: 'Client id sent to the brokers (quotas, broker logs).' }),
    ...tlsOptionFields,
    tls: tlsOptionFields.tls.meta({
      description:
        'Speak TLS to the brokers (a broker `SSL` or `SASL_SSL` listener). Default false. Kafka broker addresses have no URL scheme: TLS is turned on by this option only.',
    }),
    tlsServerName: tlsOptionFields.tlsServerName.meta({
      description:
        "Host name sent as SNI to every broker and checked against their certificates (default: each broker's own host when every bootstrap broker is a name; no SNI for IP addresses).",
    }),
    ssl: deprecated(kv.bool(), 'tls'),
    sslCaFile: deprecated(path(''), 'tlsCaFile'),
    sslCertFile: deprecated(path(''), 'tlsCertFile'),
    sslKeyFile: deprecated(path(''), 'tlsKeyFile'),
    sslVerify: deprecated(kv.bool(), 'tlsVerify'),
    saslMechanism: kv
      .oneOf(['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'])
      .optional()
      .meta({
        description:
          'SASL mechanism: `plain`, `scram-sha-256` and `scram-sha-512` need `saslUsername` and `saslPassword`; `oauthbearer` needs `saslOauthBearerToken` or `saslOauthBearerTokenFile`. Use it over TLS (`tls=true`): PLAIN and OAUTHBEARER send the secret as it is.',
      }),
    saslUsername: z.string().min(1).optional().meta({ description: 'SASL user name.' }),
    saslPassword: kv.secret().optional().meta({
      description:
        'SASL password. Secret: redacted when the config is printed; pass it as an environment variable reference in the adapter config.',
    }),
    saslOauthBearerToken: kv.secret().optional().meta({
      description:
        'SASL/OAUTHBEARER: the bearer token (a JWT the brokers accept). Secret. A fixed token expires: prefer `saslOauthBearerTokenFile` for a long run.',
    }),
    saslOauthBearerTokenFile: path(
      'SASL/OAUTHBEARER: a file holding the bearer token, read again at every broker connection (a token refresher may rewrite it). Regular file, at most 64 KiB.',
    ).optional(),
    connectionTimeoutMs: int(100, 300_000, 3000, 'TCP (and TLS) connect timeout, in ms.'),
    requestTimeoutMs: int(
      1000,
      600_000,
      30_000,
      'Longest wait for a broker response, in ms (also the produce ack timeout).',
    ),
    retries: int(
      1,
      100,
      5,
      "The client's own attempts per operation (connect, metadata, produce, leader and coordinator moves) before an error reaches edgeplane.",
    ),
    retryInitialMs: int(10, 60_000, 300, 'First delay between those attempts, in ms (doubles).'),
    retryMaxMs: int(
      100,
      600_000,
      5000,
      "Longest delay between those attempts (and between the source's fetch and rejoin attempts), in ms.",
    ),
    reconnectRetries: int(
      1,
      1000,
      10,
      "Source: the group member's attempts per operation (fetch, heartbeat, commit, rejoin; same backoff) while the brokers are away. Past them the source keeps trying on its own, as the same member for as long as the group keeps it (`sessionTimeoutMs`), then as a new one.",
    ),
    sessionTimeoutMs: int(
      1000,
      3_600_000,
      30_000,
      'Source: the group forgets a member silent for this long (the broker bounds it: 6 s to 30 min by default).',
    ),
    heartbeatIntervalMs: int(100, 600_000, 3000, 'Source: heartbeat period, in ms.'),
    rebalanceTimeoutMs: int(
      1000,
      3_600_000,
      60_000,
      'Source: how long a rebalance waits for members to rejoin, in ms.',
    ),
    maxWaitTimeMs: int(
      0,
      60_000,
      500,
      'Source: longest a fetch waits on the broker for new messages, in ms.',
    ),
    maxBytesPerPartition: int(
      1024,
      256 * MiB,
      MiB,
      'Source: bytes fetched per partition per request.',
    ),
    batchMaxMessages: int(1, 1_000_000, 4096, 'Source: most messages per received batch.'),
    bufferMaxMessages: int(
      1,
      10_000_000,
      20_000,
      'Source: messages fetched ahead of the loop; fetching stops beyond this (the member keeps heartbeating).',
    ),
    lagIntervalMs: int(
      100,
      3_600_000,
      5000,
      'Source: how often `lag` asks the brokers for end offsets and the group offsets, in ms.',
    ),
    compression: kv.oneOf(['none', 'gzip']).default('none').meta({
      description: 'Sink: compression of produced record batches.',
    }),
    maxBodyBytes: int(
      1,
      256 * MiB,
      1_000_000,
      "Sink: largest body accepted (`too-large` beyond). Keep it under the broker's `message.max.bytes` (1048588 by default).",
    ),
    maxBatchBytes: int(
      1024,
      256 * MiB,
      1_000_000,
      "Sink: a loop batch estimated larger than this is produced in several requests, so no record batch exceeds the broker's `message.max.bytes`.",
    ),
  })
  .superRefine((o, ctx) => {
    const fail = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (o.topic === undefined && o.topics === undefined)
      fail('topic', 'set `topic` (or `topics` for a source reading several)');
    if (o.topic !== undefined && o.topics !== undefined)
      fail('topics', 'set either `topic` or `topics`, not both');
    for (const t of o.topics ?? []) {
      if (!TOPIC.test(t) || t === '.' || t === '..')
        fail('topics', `"${t}" is not a legal topic name (a-z, A-Z, 0-9, ".", "_", "-")`);
    }
    saslRules(o, fail);
    if (o.heartbeatIntervalMs >= o.sessionTimeoutMs)
      fail('heartbeatIntervalMs', 'must be lower than `sessionTimeoutMs` (about a third of it)');
    for (const [alias, name] of Object.entries(SSL_ALIASES)) {
      if (o[alias as keyof typeof SSL_ALIASES] !== undefined && o[name] !== undefined)
        fail(alias, `\`${alias}\` is the deprecated name of \`${name}\`: set only \`${name}\``);
    }
    tlsRules(o, fail);
  });

/**
 * Builds the descriptor of the Kafka transport from the (private) zod schema: `parseOptions`
 * rejects unknown or invalid options with `invalid-config`, `describeOptions` feeds help and docs.
 */
export function defineKafkaTransport(
  create: (options: ResolvedKafkaOptions) => Transport,
): TransportDescriptor<ResolvedKafkaOptions> {
  return defineTransport({
    name: 'kafka',
    summary: SUMMARY,
    options: schema,
    create: (o) => create(o as ResolvedKafkaOptions),
  });
}

// Compile-time check: the hand-written interfaces and the schema agree.
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedKafkaOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedKafkaOptions;
