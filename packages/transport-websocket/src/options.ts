import {
  defineTransport,
  kv,
  type ListenTlsOptions,
  listenTlsOptionFields,
  type TlsOptions,
  type Transport,
  type TransportDescriptor,
  tlsOptionFields,
  tlsOptionSetWhileOff,
} from '@edgeplane/adapter-loop/transport';
import { z } from 'zod';
import type { PROTOCOL } from './envelope.js';

/** `edgeplane.v1`: the ack protocol (at-least-once); `none`: plain frames (at-most-once). */
export type AckProtocol = typeof PROTOCOL | 'none';

/**
 * Options of the WebSocket transport, as library users pass them (the adapter config may use
 * strings). The ingress listens (`listen`) or dials (`url`); the egress always dials `url`.
 */
export interface WebSocketTransportOptions extends TlsOptions, ListenTlsOptions {
  /** Ingress server: `host:port` to listen on, e.g. `127.0.0.1:8080` (port 0: any free port). */
  readonly listen?: string | undefined;
  /** Ingress server: the only path upgraded (others get 404). Default `/`. */
  readonly path?: string | undefined;
  /** Egress (and a dialling ingress): `ws://host:port/path` or `wss://…` (TLS). */
  readonly url?: string | undefined;
  /** `edgeplane.v1` (default: acks, at-least-once) or `none` (plain frames, at-most-once). */
  readonly ackProtocol?: AckProtocol | undefined;
  /** Bearer token (secret): checked on the upgrade by a listening ingress, sent by a dialling side. */
  readonly authToken?: string | undefined;
  /** Ingress: the most messages received and not yet acknowledged (the window). Default 2048. */
  readonly maxInFlight?: number | undefined;
  /** Both: the largest body, in bytes. Default 16 MiB. */
  readonly maxPayload?: number | undefined;
  /** Egress: wait while more than this many bytes are buffered on the socket. Default 1 MiB. */
  readonly highWaterMarkBytes?: number | undefined;
  /** Both: ping interval, in ms; a peer silent past two intervals is dropped. 0 disables. Default 15000. */
  readonly pingIntervalMs?: number | undefined;
  /** Dialling side: time allowed for the TCP + TLS + upgrade handshake, in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Egress with `edgeplane.v1`: longest wait for the acks of a batch, in ms. Default 30000. */
  readonly ackTimeoutMs?: number | undefined;
  /** Dialling side: ceiling of the reconnect backoff (50 ms doubling, jitter), in ms. Default 5000. */
  readonly reconnectMaxDelayMs?: number | undefined;
  /** Egress with `ackProtocol=none`: frame type sent, `binary` (default) or `text` (UTF-8 bodies only). */
  readonly frameType?: 'binary' | 'text' | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedWebSocketOptions extends TlsOptions, ListenTlsOptions {
  readonly listen?: string | undefined;
  readonly path: string;
  readonly url?: string | undefined;
  readonly ackProtocol: AckProtocol;
  readonly authToken?: string | undefined;
  readonly maxInFlight: number;
  readonly maxPayload: number;
  readonly highWaterMarkBytes: number;
  readonly pingIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly frameType: 'binary' | 'text';
}

/** Default `maxPayload`: 16 MiB. */
export const DEFAULT_MAX_PAYLOAD: number = 16 * 1024 * 1024;

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });

const listen = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
    'expected host:port, e.g. 127.0.0.1:8080 (port 0 picks a free port)',
  )
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'expected a port ≤ 65535')
  .optional()
  .meta({
    description:
      'Ingress as a server: `host:port` to listen on (`127.0.0.1:8080`; `[::1]:8080`; port 0 picks a free port). Without it the ingress dials `url`.',
  });

const url = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected a ws://host:port/path or wss://host:port/path URL')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.username === '' && u.password === '';
    } catch {
      return true;
    }
  }, 'expected no credentials in the URL (the value is not shown); give the token as `authToken`')
  .optional()
  .meta({
    description:
      'Egress (and an ingress that dials): `ws://host:port/path`, or `wss://…` for TLS (the `tls*` options then apply).',
    type: 'url',
  });

const schema = z.object({
  listen,
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'expected a path starting with "/", without query or fragment')
    .default('/')
    .meta({
      description:
        'Ingress server: the path upgraded to WebSocket; any other path is answered 404.',
    }),
  url,
  ackProtocol: kv.oneOf(['edgeplane.v1', 'none']).default('edgeplane.v1').meta({
    description:
      '`edgeplane.v1`: negotiated as the subprotocol `Sec-WebSocket-Protocol: edgeplane.v1`; data frames carry a sequence number, key and headers, the ingress acks after egress success, the egress is `ok` only once acked (at-least-once). `none`: one plain text or binary frame per message, no key or headers, no acks (at-most-once). Both ends must agree.',
  }),
  authToken: kv.secret().optional().meta({
    description:
      'Bearer token. A listening ingress refuses an upgrade without `Authorization: Bearer <token>` (401 before the handshake); a dialling side sends it. Secret: redacted wherever the config is printed.',
  }),
  maxInFlight: int(
    1,
    1_000_000,
    2048,
    "Ingress: the most messages received and not yet acknowledged (its window, `capabilities.maxInFlight`). Over it the ingress stops reading its sockets (TCP backpressure), never an unbounded queue. Keep it above the loop's egress batch size (`loop.batchMaxMessages`, default 1024) so that one batch fills while the previous one is being sent; memory held is at most about `maxInFlight` × the message size.",
  ),
  maxPayload: int(
    1,
    1024 * 1024 * 1024,
    DEFAULT_MAX_PAYLOAD,
    'Both: the largest body, in bytes. The egress refuses a larger message alone (`too-large`) before sending; the ingress closes a connection that sends a larger frame (1009).',
  ),
  highWaterMarkBytes: int(
    1024,
    1024 * 1024 * 1024,
    1024 * 1024,
    'Egress: while more than this many bytes wait in the socket (`bufferedAmount`), sending waits (backpressure).',
  ),
  pingIntervalMs: int(
    0,
    3_600_000,
    15_000,
    'Both: send a ping this often, in ms; a peer silent for two intervals (no pong, no frame) is terminated and, on the dialling side, redialled. `0` disables.',
  ),
  connectTimeoutMs: int(
    100,
    600_000,
    10_000,
    'Dialling side: time allowed to connect (TCP, TLS, the upgrade), in ms; also `open()`.',
  ),
  ackTimeoutMs: int(
    100,
    3_600_000,
    30_000,
    'Egress with `edgeplane.v1`: the longest wait for the acks of a batch, in ms; past it the send is a retryable `timeout` (the batch is sent again: duplicates possible).',
  ),
  reconnectMaxDelayMs: int(
    50,
    600_000,
    5000,
    'Dialling side: ceiling of the reconnect backoff after the connection drops (50 ms doubling, with jitter), in ms. The snapshot shows `reconnecting` meanwhile.',
  ),
  frameType: kv.oneOf(['binary', 'text']).default('binary').meta({
    description:
      'Egress with `ackProtocol=none`: send each body as a `binary` or a `text` frame (text: the body must be UTF-8, else the message is refused alone with `invalid-input`).',
  }),
  ...tlsOptionFields,
  // How TLS turns on is the transport's to say: here the URL scheme.
  tls: kv.bool().optional().meta({
    description:
      'Dialling side: speak TLS. Turned on by a `wss://` URL; `tls=true` with a `ws://` URL (or `false` with `wss://`) is refused. The listener turns TLS on with `listenTlsCertFile`.',
  }),
  ...listenTlsOptionFields,
});

/** How TLS is turned on for the dialling side: the hint of errors about TLS being off. */
export const TLS_ENABLE_HINT = 'use a wss:// URL for a TLS endpoint';

/** Whether the dialling side speaks TLS: a `wss://` URL (or `tls=true` with it). */
export function tlsEnabled(options: {
  readonly url?: string | undefined;
  readonly tls?: boolean | undefined;
}): boolean {
  return options.url?.startsWith('wss:') === true;
}

/**
 * Checks across options, so `validate` refuses what `open()` would: `tls=true` with a `ws://` URL
 * (or `tls=false` with `wss://`), a `tls*` option while TLS is off, `frameType` with the ack
 * protocol, and an ingress that neither listens nor dials.
 */
const checked = schema.superRefine((o, ctx) => {
  const wss = tlsEnabled(o);
  if (o.tls === true && !wss)
    ctx.addIssue({
      code: 'custom',
      path: ['tls'],
      message: `is true but \`url\` is not wss:// (${TLS_ENABLE_HINT})`,
    });
  if (o.tls === false && wss)
    ctx.addIssue({
      code: 'custom',
      path: ['tls'],
      message: 'is false but `url` is wss:// (TLS); use a ws:// URL for plaintext',
    });
  const set = tlsOptionSetWhileOff(o, wss);
  if (set)
    ctx.addIssue({
      code: 'custom',
      path: [set],
      message: `is set but TLS is off (it would be ignored): ${TLS_ENABLE_HINT}; for the listener's own certificate (an ingress), use listenTlsCertFile / listenTlsKeyFile`,
    });
  if (o.listen === undefined) {
    const listenTls = (
      [
        'listenTlsCertFile',
        'listenTlsKeyFile',
        'listenTlsKeyPassphrase',
        'listenTlsClientCaFile',
      ] as const
    ).find((name) => o[name] !== undefined);
    if (listenTls)
      ctx.addIssue({
        code: 'custom',
        path: [listenTls],
        message: 'is set but `listen` is not (it would be ignored): set `listen=host:port`',
      });
  }
  if (o.listen === undefined && o.url === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message:
        'is required: set `url` (egress, or an ingress that dials) or `listen` (an ingress server)',
    });
});

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'WebSocket (ws): ingress listening or dialling, egress dialling; edgeplane.v1 acks for at-least-once, plain frames at-most-once';

/** The descriptor for these options (the schema stays private). */
export function defineWebSocketTransport(
  create: (options: ResolvedWebSocketOptions) => Transport,
): TransportDescriptor<ResolvedWebSocketOptions> {
  return defineTransport({ name: 'websocket', summary: SUMMARY, options: checked, create });
}

// Compile-time check: the hand-written interfaces and the schema agree (both directions).
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedWebSocketOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedWebSocketOptions;
const _inputIsAccepted: z.input<typeof schema> = {} as WebSocketTransportOptions;
