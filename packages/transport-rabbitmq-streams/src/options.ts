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
import { isTlsUrl, urlProblem } from './url.js';

/** Where a consumer without a stored offset starts: the first message, the next one, or an offset. */
export type StartOffset = 'first' | 'next' | bigint;

/**
 * Options of the RabbitMQ Streams transport, as library users pass them. TLS (`TlsOptions`):
 * on with a `rabbitmq-stream+tls://` url or `tls=true`; the files are read at `open()`.
 */
export interface RabbitmqStreamsTransportOptions extends TlsOptions {
  /**
   * `rabbitmq-stream://user:password@host:5552/vhost`, or `rabbitmq-stream+tls://...` (TLS,
   * port 5551 by default); user, password and vhost optional.
   */
  readonly url: string;
  /** Overrides the user name of `url`. */
  readonly username?: string | undefined;
  /** Overrides the password of `url` (secret; use `${VAR}` in adapter configs). */
  readonly password?: string | undefined;
  /** The stream to consume from (ingress) or publish to (egress). */
  readonly stream: string;
  /** Ingress: the consumer name the broker stores the acknowledged offset under. */
  readonly consumerName?: string | undefined;
  /** Egress: the publisher reference the broker deduplicates publishing ids under. */
  readonly publisherRef?: string | undefined;
  /** Ingress, first start only (no stored offset): `first`, `next` or an offset. Default `first`. */
  readonly offset?: 'first' | 'next' | number | string | bigint | undefined;
  /** Create the stream when it does not exist. Default true. */
  readonly createStream?: boolean | undefined;
  /** Retention (`max-length-bytes`) for a stream this transport creates. */
  readonly streamMaxLengthBytes?: number | undefined;
  /** Retention (`max-age`, e.g. `7D`, `12h`) for a stream this transport creates. */
  readonly streamMaxAge?: string | undefined;
  /** Ingress: most messages per batch. Default 4096. */
  readonly batchMaxMessages?: number | undefined;
  /** Ingress: chunks the broker may send ahead of the batches taken (credits). Default 4. */
  readonly prefetchChunks?: number | undefined;
  /** Connect every connection to `url`'s host and port (behind a load balancer). Default false. */
  readonly loadBalancer?: boolean | undefined;
  /** Time allowed for a connection handshake, in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Time allowed for one request (query, declare, subscribe), in ms. Default 10000. */
  readonly requestTimeoutMs?: number | undefined;
  /** Egress: time a batch may wait for its publish confirms before `retryable`, in ms. Default 30000. */
  readonly confirmTimeoutMs?: number | undefined;
  /** Ingress: time an ack may wait for a reconnection to store its offset, in ms. Default 60000. */
  readonly ackTimeoutMs?: number | undefined;
  /** First reconnection delay after the server went away, in ms. Default 100. */
  readonly reconnectMinDelayMs?: number | undefined;
  /** Reconnection delay ceiling (exponential backoff with jitter), in ms. Default 5000. */
  readonly reconnectMaxDelayMs?: number | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedRabbitmqStreamsOptions extends TlsOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly stream: string;
  readonly consumerName?: string | undefined;
  readonly publisherRef?: string | undefined;
  readonly offset: StartOffset;
  readonly createStream: boolean;
  readonly streamMaxLengthBytes?: number | undefined;
  readonly streamMaxAge?: string | undefined;
  readonly batchMaxMessages: number;
  readonly prefetchChunks: number;
  readonly loadBalancer: boolean;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly confirmTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly reconnectMinDelayMs: number;
  readonly reconnectMaxDelayMs: number;
}

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });
const name = (what: string, description: string) =>
  z
    .string()
    .min(1, `expected a non-empty ${what}`)
    .max(255, `expected at most 255 characters`)
    .meta({ description });

/** `first`, `next` or a non-negative integer (number, bigint or decimal string). */
const startOffset: z.ZodType<StartOffset> = z
  .unknown()
  .transform((v, ctx): StartOffset => {
    if (v === 'first' || v === 'next') return v;
    if (typeof v === 'bigint' && v >= 0n) return v;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^[0-9]{1,20}$/.test(v) && BigInt(v) < 2n ** 64n) return BigInt(v);
    const given = typeof v === 'string' ? `"${v}"` : String(v);
    ctx.addIssue({
      code: 'custom',
      message: `expected first, next or an offset >= 0, got ${given}`,
    });
    return z.NEVER;
  })
  .meta({ type: 'first | next | integer >= 0' }) as unknown as z.ZodType<StartOffset>;

/** The problem is named without echoing the value: a URL may carry a password. */
const url = kv
  .secret()
  .superRefine((v, ctx) => {
    const problem = urlProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description:
      'Broker address: `rabbitmq-stream://[user:password@]host[:port][/vhost]` (port 5552, user and password `guest`, vhost `/` by default), or `rabbitmq-stream+tls://...` to speak TLS (port 5551 by default; the same as `tls=true`). Secret: it may carry the password.',
    type: 'url',
  });

const schema = z.object({
  url,
  username: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "User name; overrides the one in `url`'s user info." }),
  password: kv
    .secret()
    .optional()
    .meta({
      description:
        "Password; overrides the one in `url`'s user info. In an adapter config, write `password=$" +
        '{VAR}` to take it from the environment.',
    }),
  stream: name('stream name', 'The stream consumed (ingress) or published to (egress).'),
  consumerName: name(
    'consumer name',
    'Ingress (required there): the name the broker stores the acknowledged offset under; a restart resumes after it. Two processes must not share it.',
  ).optional(),
  publisherRef: name(
    'publisher reference',
    'Egress: the publisher name the broker deduplicates publishing ids under (a batch retried after a lost confirm is not written twice). Without it, no deduplication. One writer per reference.',
  ).optional(),
  offset: startOffset.default('first').meta({
    description:
      'Ingress, only while the consumer has no stored offset: start at the `first` message of the stream, at the `next` one published after `open()`, or at this offset.',
  }),
  createStream: kv.bool().default(true).meta({
    description:
      'Create the stream if it does not exist at `open()` (otherwise `open()` fails with `not-found`); a stream deleted mid-run is never recreated (`not-found`, permanent).',
  }),
  streamMaxLengthBytes: kv.int(1).optional().meta({
    description: 'Retention of a stream this transport creates: `max-length-bytes`.',
  }),
  streamMaxAge: z
    .string()
    .regex(/^[0-9]+[YMDhms]$/, 'expected a number and a unit Y, M, D, h, m or s, e.g. 7D')
    .optional()
    .meta({ description: 'Retention of a stream this transport creates: `max-age`, e.g. `7D`.' }),
  batchMaxMessages: int(1, 1_000_000, 4096, 'Ingress: most messages per batch.'),
  prefetchChunks: int(
    1,
    64,
    4,
    'Ingress: chunks the broker may send ahead (credits); more hides latency, fewer bounds memory.',
  ),
  loadBalancer: kv.bool().default(false).meta({
    description:
      "Open every connection to `url`'s host and port instead of the node the broker advertises (behind a load balancer or a port forward).",
  }),
  connectTimeoutMs: int(100, 600_000, 10_000, 'Time allowed for a connection handshake, in ms.'),
  requestTimeoutMs: int(
    100,
    600_000,
    10_000,
    'Time allowed for one request (query, declare, subscribe, offset store), in ms.',
  ),
  confirmTimeoutMs: int(
    100,
    3_600_000,
    30_000,
    'Egress: how long a batch waits for its publish confirms before the send is `retryable`, in ms.',
  ),
  ackTimeoutMs: int(
    100,
    3_600_000,
    60_000,
    'Ingress: how long an ack waits for a reconnection to store its offset, in ms.',
  ),
  reconnectMinDelayMs: int(1, 600_000, 100, 'First delay before reconnecting, in ms.'),
  reconnectMaxDelayMs: int(
    1,
    600_000,
    5000,
    'Ceiling of the reconnection delay (exponential backoff with jitter), in ms.',
  ),
  ...tlsOptionFields,
  tls: kv.bool().optional().meta({
    description:
      'Speak TLS to the broker (its `stream.listeners.ssl` port, 5551 by default). Default false; a `rabbitmq-stream+tls://` url turns it on too (then `tls=false` is refused).',
  }),
  tlsServerName: tlsOptionFields.tlsServerName.meta({
    description:
      "Host name sent as SNI and checked against the broker's certificate on every connection (default: the host each connection dials, the url's or the node the broker advertises, when it is a name).",
  }),
});

/**
 * TLS settings that contradict each other are refused when the options are parsed (so
 * `validate` sees them too): `tls=false` with a `+tls` url, a `tls*` file option while TLS is off.
 */
const checked = schema.superRefine((o, ctx) => {
  const tlsUrl = isTlsUrl(o.url);
  if (o.tls === false && tlsUrl) {
    ctx.addIssue({
      code: 'custom',
      path: ['tls'],
      message:
        'tls=false contradicts the `rabbitmq-stream+tls://` url: use `rabbitmq-stream://` for plaintext',
    });
    return;
  }
  const set = tlsOptionSetWhileOff(o, o.tls === true || tlsUrl);
  if (set)
    ctx.addIssue({
      code: 'custom',
      path: [set],
      message:
        'is set but TLS is off: use a `rabbitmq-stream+tls://` url or set tls=true (or remove it)',
    });
});

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'RabbitMQ Streams: a named consumer with offsets stored on the broker, a deduplicating publisher';

/** Builds the descriptor from the (private) zod schema. */
export function defineRabbitmqStreamsTransport(
  create: (options: ResolvedRabbitmqStreamsOptions) => Transport,
): TransportDescriptor<ResolvedRabbitmqStreamsOptions> {
  return defineTransport({ name: 'rabbitmq-streams', summary: SUMMARY, options: checked, create });
}

// Compile-time check: the hand-written interfaces and the schema agree.
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedRabbitmqStreamsOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedRabbitmqStreamsOptions;
