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

/** The method the ingress serves and the egress calls by default. */
export const DEFAULT_METHOD = 'edgeplane.v1.IngestService/Ingest';

/** Wire protocols of the egress client (the ingress serves all three on one port). */
export type GrpcProtocol = 'grpc' | 'grpcweb' | 'connect';

/**
 * Options of the gRPC transport, as library users pass them (the adapter config may use
 * strings). The ingress uses `listen` (and `listenTls*`), the egress `url` (and `tls*`).
 */
export interface GrpcTransportOptions extends TlsOptions, ListenTlsOptions {
  /** Ingress: `host:port` to listen on, e.g. `127.0.0.1:50051` (port 0: any free port). */
  readonly listen?: string | undefined;
  /** Egress: `http://host:port` (h2c, plaintext) or `https://host:port` (TLS). */
  readonly url?: string | undefined;
  /** Egress: `grpc` (default), `grpcweb` or `connect`. */
  readonly protocol?: GrpcProtocol | undefined;
  /** Both: the method, `package.Service/Method`. Default `edgeplane.v1.IngestService/Ingest`. */
  readonly method?: string | undefined;
  /** Both: bearer token (secret): the ingress requires it, the egress sends it. */
  readonly authToken?: string | undefined;
  /** Ingress: most messages held unacknowledged (queued + delivered), in messages. Default 1024. */
  readonly maxInFlight?: number | undefined;
  /** Both: largest message body, in bytes. Default 16 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Both: largest encoded request, in bytes. Default 64 MiB. */
  readonly maxRequestBytes?: number | undefined;
  /** Egress: deadline of each call, in ms. Default 30000. */
  readonly timeoutMs?: number | undefined;
  /** Egress: time allowed to connect, in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Ingress: pushback sent with `RESOURCE_EXHAUSTED` (`grpc-retry-pushback-ms`), in ms. Default 100. */
  readonly retryAfterMs?: number | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedGrpcOptions extends TlsOptions, ListenTlsOptions {
  readonly listen?: string | undefined;
  readonly url?: string | undefined;
  readonly protocol: GrpcProtocol;
  readonly method: string;
  readonly authToken?: string | undefined;
  readonly maxInFlight: number;
  readonly maxBodyBytes: number;
  readonly maxRequestBytes: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly retryAfterMs: number;
}

/** Default `maxBodyBytes`: 16 MiB. */
export const DEFAULT_MAX_BODY_BYTES: number = 16 * 1024 * 1024;
/** Default `maxRequestBytes`: 64 MiB. */
export const DEFAULT_MAX_REQUEST_BYTES: number = 64 * 1024 * 1024;
/** Default `maxInFlight`: 1024 messages. */
export const DEFAULT_MAX_IN_FLIGHT = 1024;

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });

/** `host:port` → its parts, or undefined. IPv6 in brackets: `[::1]:50051`. */
export function parseListen(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

const listen = z
  .string()
  .refine((v) => parseListen(v) !== undefined, 'expected host:port, e.g. 127.0.0.1:50051')
  .optional()
  .meta({
    description:
      'Ingress: `host:port` the server listens on (gRPC, gRPC-Web and Connect on one port; h2c, or TLS with `listenTlsCertFile`). Port 0 takes any free port.',
  });

const url = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected http://host:port (h2c) or https://host:port (TLS)')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.username === '' && u.password === '' && u.search === '' && u.hash === '';
    } catch {
      return true;
    }
  }, 'expected no credentials, query or fragment in the URL; give the token as `authToken`')
  .optional()
  .meta({
    description:
      'Egress: the server, `http://host:port` (HTTP/2 without TLS, h2c) or `https://host:port` (TLS, like `tls=true`). A path prefix is kept (`https://gw/prefix` calls `/prefix/<service>/<method>`).',
    type: 'url',
  });

const method = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\.[A-Za-z_][A-Za-z0-9_]*\/[A-Za-z_][A-Za-z0-9_]*$/,
    'expected package.Service/Method, e.g. edgeplane.v1.IngestService/Ingest',
  )
  .default(DEFAULT_METHOD)
  .meta({
    description:
      'Both: the unary method, `package.Service/Method`, whose request and response have the shape of `edgeplane.v1.IngestRequest` / `IngestResponse` (proto/edgeplane/v1/ingest.proto). The ingress serves it, the egress calls it.',
  });

const schema = z.object({
  listen,
  url,
  protocol: kv.oneOf(['grpc', 'grpcweb', 'connect']).default('grpc').meta({
    description:
      'Egress: the wire protocol: `grpc` (HTTP/2), `grpcweb` or `connect` (both over HTTP/2 here too). The ingress answers all three.',
  }),
  method,
  authToken: kv.secret().optional().meta({
    description:
      'Both: bearer token. The ingress refuses a call without `authorization: Bearer <token>` (UNAUTHENTICATED); the egress sends it. Secret: redacted wherever the config is printed; compared in constant time.',
  }),
  maxInFlight: int(
    1,
    1_000_000,
    DEFAULT_MAX_IN_FLIGHT,
    'Ingress: the window, in messages: the most held at once, queued or delivered and not yet acknowledged. A call that does not fit is answered RESOURCE_EXHAUSTED (with `grpc-retry-pushback-ms`); a call larger than the window is taken alone when nothing else is held and delivered in window-sized pieces.',
  ),
  maxBodyBytes: int(
    1,
    DEFAULT_MAX_REQUEST_BYTES,
    DEFAULT_MAX_BODY_BYTES,
    'Both: largest message body, in bytes (`capabilities.maxBodyBytes`). The egress refuses a larger body alone (`too-large`) without sending it; the ingress answers INVALID_ARGUMENT to a call holding one.',
  ),
  maxRequestBytes: int(
    1024,
    2_147_483_647,
    DEFAULT_MAX_REQUEST_BYTES,
    'Both: largest encoded request, in bytes: the ingress reads no more (RESOURCE_EXHAUSTED), the egress writes no more (the batch is refused as `too-large`, and the loop sends its messages one at a time).',
  ),
  timeoutMs: int(
    100,
    3_600_000,
    30_000,
    'Egress: the deadline of each call (`grpc-timeout`), in ms; past it the batch is a retryable `timeout`.',
  ),
  connectTimeoutMs: int(100, 600_000, 10_000, 'Egress: time allowed to connect, in ms.'),
  retryAfterMs: int(
    0,
    60_000,
    100,
    'Ingress: the pushback sent with RESOURCE_EXHAUSTED (trailer `grpc-retry-pushback-ms`), in ms; the egress of another edgeplane waits that long before it retries.',
  ),
  ...tlsOptionFields,
  ...listenTlsOptionFields,
});

/** How TLS is turned on for the egress: the hint of errors about TLS being off. */
export const TLS_ENABLE_HINT = 'use an https:// URL (or set tls=true) for a TLS server';

/** Whether the egress speaks TLS: `tls=true` or an `https://` URL. */
export function tlsEnabled(options: {
  readonly url?: string | undefined;
  readonly tls?: boolean | undefined;
}): boolean {
  return options.tls === true || (options.url?.startsWith('https:') ?? false);
}

const checked = schema.superRefine((o, ctx) => {
  if (o.listen === undefined && o.url === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['listen'],
      message:
        'is required for the ingress (or `url` for the egress): set `listen=127.0.0.1:50051` or `url=http://127.0.0.1:50051`',
    });
  if (o.tls === false && o.url?.startsWith('https:'))
    ctx.addIssue({
      code: 'custom',
      path: ['tls'],
      message: 'is false but `url` is https:// (TLS); use an http:// URL for h2c',
    });
  const set = tlsOptionSetWhileOff(o, tlsEnabled(o));
  if (set)
    ctx.addIssue({
      code: 'custom',
      path: [set],
      message: `is set but TLS is off (it would be ignored): ${TLS_ENABLE_HINT}; for the listener's own certificate (an ingress), use listenTlsCertFile / listenTlsKeyFile`,
    });
  if (o.maxBodyBytes > o.maxRequestBytes)
    ctx.addIssue({
      code: 'custom',
      path: ['maxBodyBytes'],
      message: `is larger than \`maxRequestBytes\` (${o.maxRequestBytes}); raise \`maxRequestBytes\` or lower it`,
    });
});

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'gRPC unary: an IngestService server (gRPC, gRPC-Web, Connect on one port; the answer is the ack) as ingress, a client as egress';

/** Builds the descriptor from the (private) zod schema. */
export function defineGrpcTransport(
  create: (options: ResolvedGrpcOptions) => Transport,
): TransportDescriptor<ResolvedGrpcOptions> {
  return defineTransport({ name: 'grpc', summary: SUMMARY, options: checked, create });
}

// Compile-time check: the hand-written interfaces and the schema agree (both directions).
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedGrpcOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedGrpcOptions;
const _inputIsAccepted: z.input<typeof schema> = {} as GrpcTransportOptions;
