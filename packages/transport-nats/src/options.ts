import {
  defineTransport,
  EdgeplaneError,
  kv,
  type TlsOptions,
  type Transport,
  type TransportDescriptor,
  tlsOptionFields,
  tlsOptionSetWhileOff,
} from '@edgeplane/adapter-loop/transport';
import { z } from 'zod';
import { tlsEnabled } from './tls-enabled.js';

/** Options of the NATS transport, as library users pass them (the adapter config may use strings). */
export interface NatsTransportOptions extends TlsOptions {
  /** Server URLs, e.g. `nats://127.0.0.1:4222` (a list, or a comma-separated string). */
  readonly servers: string | readonly string[];
  /** `jetstream` (default): streams, durable pull consumers, publish acks. `core`: plain subjects. */
  readonly mode?: 'jetstream' | 'core' | undefined;
  /** Sink: the subject published to. Source: the consumer's filter (core: the subscription). */
  readonly subject: string;
  /** JetStream: the stream. */
  readonly stream?: string | undefined;
  /** JetStream source: the durable pull consumer's name. */
  readonly durable?: string | undefined;
  /** JetStream: create the stream when it does not exist. Default false. */
  readonly createStream?: boolean | undefined;
  /** JetStream: subjects of a stream created by `createStream`. Default: `subject`. */
  readonly streamSubjects?: string | readonly string[] | undefined;
  /** JetStream source: create the durable consumer when it does not exist. Default false. */
  readonly createConsumer?: boolean | undefined;
  /** JetStream source, for a created consumer: `all` (default) or `new`. */
  readonly deliverPolicy?: 'all' | 'new' | undefined;
  /** JetStream source, for a created consumer: ack wait in ms. Default 30000. */
  readonly ackWaitMs?: number | undefined;
  /** JetStream source, for a created consumer: most unacknowledged messages. Default 20000. */
  readonly maxAckPending?: number | undefined;
  /** JetStream source: messages requested per pull. Default 1024. */
  readonly pullMaxMessages?: number | undefined;
  /** Source: most messages per batch (the loop's hint may lower it). Default 1024. */
  readonly batchMaxMessages?: number | undefined;
  /** JetStream sink: which `Nats-Msg-Id` to set. Default `auto`. */
  readonly msgId?: 'auto' | 'inbound' | 'off' | undefined;
  /** JetStream sink: prefix of every `Nats-Msg-Id`. Default empty. */
  readonly msgIdPrefix?: string | undefined;
  /** Header that carries a message's key. Default `Edgeplane-Key`. */
  readonly keyHeader?: string | undefined;
  /** JetStream: time to wait for a PubAck or an ack confirmation, in ms. Default 5000. */
  readonly requestTimeoutMs?: number | undefined;
  /** Largest body accepted, in bytes. Default 1044480 (the server's 1 MiB max_payload less 4 KiB for headers). */
  readonly maxBodyBytes?: number | undefined;
  /** Core source: queue group, so several processes share one subject's messages. */
  readonly queue?: string | undefined;
  /** Core source: messages held before receive() takes them; more are dropped (counted). Default 100000. */
  readonly coreBufferMessages?: number | undefined;
  /** User name (with `password`). */
  readonly user?: string | undefined;
  /** Password (secret). */
  readonly password?: string | undefined;
  /** Token (secret). */
  readonly token?: string | undefined;
  /** Path of a `.creds` file (JWT + nkey seed). */
  readonly credsFile?: string | undefined;
  /** Path of a file holding an nkey user's seed (`SU…`); the seed is a secret, never printed. */
  readonly nkeySeedFile?: string | undefined;
  /** Connection name shown by the server. Default `edgeplane`. */
  readonly name?: string | undefined;
  /** First connection attempt timeout, in ms. Default 5000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Wait between reconnection attempts, in ms (plus jitter). Default 500. */
  readonly reconnectTimeWaitMs?: number | undefined;
  /** Reconnection attempts before giving up (-1: forever). Default -1. */
  readonly maxReconnectAttempts?: number | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedNatsOptions extends TlsOptions {
  readonly servers: string[];
  readonly mode: 'jetstream' | 'core';
  readonly subject: string;
  readonly stream?: string | undefined;
  readonly durable?: string | undefined;
  readonly createStream: boolean;
  readonly streamSubjects?: string[] | undefined;
  readonly createConsumer: boolean;
  readonly deliverPolicy: 'all' | 'new';
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
  readonly pullMaxMessages: number;
  readonly batchMaxMessages: number;
  readonly msgId: 'auto' | 'inbound' | 'off';
  readonly msgIdPrefix: string;
  readonly keyHeader: string;
  readonly requestTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly queue?: string | undefined;
  readonly coreBufferMessages: number;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly token?: string | undefined;
  readonly credsFile?: string | undefined;
  readonly nkeySeedFile?: string | undefined;
  readonly name: string;
  readonly connectTimeoutMs: number;
  readonly reconnectTimeWaitMs: number;
  readonly maxReconnectAttempts: number;
}

/** The server's default 1 MiB `max_payload` less 4 KiB for headers. */
export const DEFAULT_MAX_BODY_BYTES = 1_044_480;

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });
const bool = (fallback: boolean, description: string) =>
  kv.bool().default(fallback).meta({ description });

/** A NATS subject: dot-separated tokens, no whitespace, no empty token. */
const SUBJECT = /^[^\s.]+(\.[^\s.]+)*$/;
/** A stream or consumer name: no whitespace, `.`, `*`, `>`, path separators. */
const NAME = /^[^\s.*>/\\]+$/;
/** An HTTP-style header name (token characters, no colon). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const subject = (description: string) =>
  z
    .string()
    .regex(SUBJECT, 'expected a NATS subject (dot-separated tokens, no spaces)')
    .meta({ description, type: 'subject' });
const name = (description: string) =>
  z
    .string()
    .regex(NAME, 'expected a name without spaces, ".", "*", ">", "/" or "\\"')
    .meta({ description, type: 'name' });

const server = z
  .string()
  .regex(/^((nats|tls|ws|wss):\/\/)?[^\s/]+$/, 'expected nats://host:port (or host:port)');

const schema = z.object({
  servers: kv.list().pipe(z.array(server)).meta({
    description:
      'NATS server URLs (`nats://host:port`, comma-separated; `tls://host:port` turns TLS on). Credentials inside a URL (`nats://user:pass@host`, `nats://token@host`) are used as `user`/`password` or `token`, and never printed; giving them as options is better.',
    type: 'list of URLs',
  }),
  mode: kv.oneOf(['jetstream', 'core']).default('jetstream').meta({
    description:
      '`jetstream`: a stream, a durable pull consumer with explicit acks (at-least-once) and publish acks. `core`: plain subjects, fire-and-forget (at-most-once).',
  }),
  subject: subject(
    "Sink: the subject published to (no wildcards). Source: the durable consumer's filter subject (JetStream) or the subscription (core); wildcards allowed there.",
  ),
  stream: name('JetStream: the stream. Required in `mode=jetstream`.').optional(),
  durable: name(
    'JetStream source: the durable pull consumer. Required when a JetStream transport is an ingress; processes sharing it share the work.',
  ).optional(),
  createStream: bool(
    false,
    'JetStream: create the stream (file storage, subjects `streamSubjects`) when it does not exist. Otherwise a missing stream is `not-found`.',
  ),
  streamSubjects: kv.list().optional().meta({
    description: 'JetStream: subjects of a stream created by `createStream` (default: `subject`).',
    type: 'list of subjects',
  }),
  createConsumer: bool(
    false,
    'JetStream source: create the durable consumer (explicit acks, filter `subject`) when it does not exist. Otherwise a missing consumer is `not-found`.',
  ),
  deliverPolicy: kv.oneOf(['all', 'new']).default('all').meta({
    description:
      'JetStream source, for a consumer this transport creates: start at the first message of the stream (`all`) or at messages published after creation (`new`).',
  }),
  ackWaitMs: int(
    1000,
    86_400_000,
    30_000,
    'JetStream source, for a consumer this transport creates: how long the server waits for an ack before redelivering (after a crash, unacknowledged messages come back after this).',
  ),
  maxAckPending: int(
    1,
    10_000_000,
    20_000,
    'JetStream source, for a consumer this transport creates: most delivered-but-unacknowledged messages; bounds what one process holds in memory.',
  ),
  pullMaxMessages: int(1, 100_000, 1024, 'JetStream source: messages requested per pull request.'),
  batchMaxMessages: int(
    1,
    1_000_000,
    1024,
    'Source: most messages per batch yielded to the loop (the loop may ask for fewer).',
  ),
  msgId: kv.oneOf(['auto', 'inbound', 'off']).default('auto').meta({
    description:
      "JetStream sink: the `Nats-Msg-Id` header the server deduplicates on (within the stream's duplicate window). `auto`: the inbound message id when the message has one, else a SHA-256 of key, headers and body; `inbound`: only inbound ids; `off`: none.",
  }),
  msgIdPrefix: z.string().default('').meta({
    description:
      'JetStream sink: prefix of every `Nats-Msg-Id`, to keep ids of different pipelines publishing into one stream apart.',
  }),
  keyHeader: z
    .string()
    .regex(HEADER_NAME, 'expected a header name (token characters)')
    .default('Edgeplane-Key')
    .meta({
      description:
        'Header that carries a message key (keys can hold any text, so they are not put in the subject). The source removes it from the headers it yields.',
      type: 'header name',
    }),
  requestTimeoutMs: int(
    100,
    600_000,
    5000,
    'JetStream: how long to wait for a PubAck, an ack confirmation or an API reply, in ms.',
  ),
  maxBodyBytes: int(
    0,
    64 * 1024 * 1024,
    DEFAULT_MAX_BODY_BYTES,
    "Largest body accepted, in bytes (default: the server's 1 MiB `max_payload` less 4 KiB for headers). Raise it with the server's `max_payload`.",
  ),
  queue: name(
    'Core source: a queue group; processes subscribing with the same group share the messages.',
  ).optional(),
  coreBufferMessages: int(
    1,
    100_000_000,
    100_000,
    'Core source: messages held until receive() takes them; further messages are dropped and counted (at-most-once).',
  ),
  user: z.string().min(1).optional().meta({ description: 'User name (with `password`).' }),
  password: kv.secret().optional().meta({ description: 'Password (secret: never printed).' }),
  token: kv.secret().optional().meta({ description: 'Auth token (secret: never printed).' }),
  credsFile: z.string().min(1).optional().meta({
    description:
      'Path of a NATS `.creds` file (user JWT and nkey seed, as `nsc` writes it); read and checked at start.',
    type: 'path',
  }),
  nkeySeedFile: z.string().min(1).optional().meta({
    description:
      "Path of a file holding an nkey user's seed (`SU…`): the client signs the server's nonce with it. The seed is a secret: never printed.",
    type: 'path',
  }),
  ...tlsOptionFields,
  tls: tlsOptionFields.tls.meta({
    description:
      "Speak TLS to the server (default false; a `tls://` server URL also turns it on). Needed for every other `tls*` option; a server that requires TLS while this is off is an error saying so (unless its certificate verifies against Node's bundled CAs: nats.js then upgrades by itself).",
  }),
  name: z
    .string()
    .min(1)
    .default('edgeplane')
    .meta({ description: 'Connection name, as the server shows it.' }),
  connectTimeoutMs: int(100, 600_000, 5000, 'Timeout of the first connection, in ms.'),
  reconnectTimeWaitMs: int(
    10,
    600_000,
    500,
    'Wait between reconnection attempts after the server went away, in ms (the client adds jitter).',
  ),
  maxReconnectAttempts: int(
    -1,
    1_000_000,
    -1,
    'Reconnection attempts before the connection is given up (`failed`); -1 retries forever.',
  ),
});

/** Cross-option rules the per-field checks cannot express: `[option, message]` or undefined. */
function crossCheck(o: ResolvedNatsOptions): readonly [string, string, string?] | undefined {
  if (o.mode === 'jetstream' && o.stream === undefined)
    return ['stream', 'missing required option `stream` for mode=jetstream (or set `mode=core`)'];
  if (o.password !== undefined && o.user === undefined)
    return ['user', 'option `password` needs `user`'];
  if (o.credsFile !== undefined && o.nkeySeedFile !== undefined)
    return [
      'nkeySeedFile',
      'options `credsFile` and `nkeySeedFile` exclude each other (a `.creds` file holds its own seed)',
    ];
  if (o.tls === false && tlsEnabled(o))
    return ['tls', 'option `tls=false` contradicts a `tls://` server URL'];
  const set = tlsOptionSetWhileOff(o, tlsEnabled(o));
  if (set)
    return [
      set,
      `option "${set}" is set but TLS is off`,
      'set `tls=true` (or use `tls://` server URLs), or remove the `tls*` options',
    ];
  return undefined;
}

const USERINFO = /^((?:[a-z][a-z0-9+.-]*:\/\/)?)([^@/]*)@(.*)$/i;

/**
 * Credentials written inside server URLs (`nats://user:pass@host`, `nats://token@host`): nats.js
 * ignores them, so they are moved to `user`/`password` or `token` here, and removed from
 * `servers`. URLs with different credentials, or URL credentials that contradict the options,
 * are refused (`invalid-config`) rather than one of them silently ignored.
 */
function urlCredentials(o: ResolvedNatsOptions): ResolvedNatsOptions | readonly [string, string] {
  let found: { user?: string; password?: string; token?: string } | undefined;
  let key: string | undefined;
  const servers: string[] = [];
  for (const url of o.servers) {
    const m = USERINFO.exec(url);
    if (!m) {
      servers.push(url);
      continue;
    }
    servers.push(`${m[1]}${m[3]}`);
    const info = m[2] as string;
    const colon = info.indexOf(':');
    let here: { user?: string; password?: string; token?: string };
    try {
      here =
        colon < 0
          ? { token: decodeURIComponent(info) }
          : {
              user: decodeURIComponent(info.slice(0, colon)),
              password: decodeURIComponent(info.slice(colon + 1)),
            };
    } catch {
      return ['servers', 'the credentials in a `servers` URL are not valid percent-encoding'];
    }
    const k = JSON.stringify([here.user, here.password, here.token]);
    if (key !== undefined && k !== key)
      return [
        'servers',
        'the `servers` URLs carry different credentials: give them once, as `user`/`password` or `token`',
      ];
    key = k;
    found = here;
  }
  if (!found) return o;
  const clash = (name: 'user' | 'password' | 'token') =>
    o[name] !== undefined && found?.[name] !== undefined && o[name] !== found[name];
  const explicit =
    o.user !== undefined ||
    o.token !== undefined ||
    o.credsFile !== undefined ||
    o.nkeySeedFile !== undefined;
  if (
    clash('user') ||
    clash('password') ||
    clash('token') ||
    (explicit && found.token !== undefined && o.token === undefined) ||
    (explicit && found.user !== undefined && o.user === undefined)
  )
    return [
      'servers',
      'a `servers` URL carries credentials other than the `user`/`password`/`token`/`credsFile`/`nkeySeedFile` options: give them in one place only',
    ];
  return { ...o, servers, ...found };
}

/**
 * Builds the descriptor of the NATS transport from the (private) zod schema: `parseOptions`
 * rejects unknown or invalid options, and inconsistent ones, with `invalid-config` naming the
 * option.
 */
export function defineNatsTransport(
  create: (options: ResolvedNatsOptions) => Transport,
): TransportDescriptor<ResolvedNatsOptions> {
  const base = defineTransport({ name: 'nats', summary: SUMMARY, options: schema, create });
  const parseOptions = (input: unknown): ResolvedNatsOptions => {
    const parsed = base.parseOptions(input);
    const resolved = urlCredentials(parsed);
    const problem = 'servers' in resolved ? crossCheck(resolved) : resolved;
    if (!problem) return resolved as ResolvedNatsOptions;
    throw new EdgeplaneError('invalid-config', 'transport:nats', problem[1], {
      details: { option: problem[0] },
      hint:
        problem[2] ??
        'see `edgeplane transports --name=nats` or docs/transports/nats.md for the options',
    });
  };
  return { ...base, parseOptions, create: (options) => create(parseOptions(options)) };
}

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'NATS: JetStream durable pull consumers with explicit acks and publish acks, or core subjects';

// Compile-time check: the hand-written interfaces and the schema agree.
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedNatsOptions = {} as Parsed;
const _inputIsAccepted: z.input<typeof schema> = {} as NatsTransportOptions;
