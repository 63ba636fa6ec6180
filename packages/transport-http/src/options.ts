import {
  defineTransport,
  EdgeplaneError,
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

/**
 * Options of the HTTP transport, as library users pass them (the adapter config gives strings).
 * The ingress (an HTTP server) reads `listen`, `path`, `framing`, the limits and `listenTls*`; the
 * egress (a client) reads `url`, `method`, `batching`, `concurrency`, `timeoutMs`, `headers` and
 * the dialling side's `tls*`. `authToken` and `hmacSecret` serve both: checked by the ingress,
 * sent by the egress.
 */
export interface HttpTransportOptions extends TlsOptions, ListenTlsOptions {
  /** Ingress: `host:port` to listen on (required as an ingress). Port 0 picks a free port (`address`). */
  readonly listen?: string | undefined;
  /** Ingress: the request path accepted (others: 404). Default `/`. */
  readonly path?: string | undefined;
  /** Ingress: `message` (one request body = one message) or `ndjson` (one line each). Default `message`. */
  readonly framing?: 'message' | 'ndjson' | undefined;
  /** Ingress: request headers copied into message headers (lower-cased names). */
  readonly headerAllowList?: string | readonly string[] | undefined;
  /** Both: bearer token (secret). Ingress: required of every request; egress: sent. */
  readonly authToken?: string | undefined;
  /** Both: HMAC-SHA256 key of the body signature (secret). Ingress: checked; egress: sent. */
  readonly hmacSecret?: string | undefined;
  /** Both: the header carrying `sha256=<hex>`. Default `x-signature`. */
  readonly hmacHeader?: string | undefined;
  /** Ingress: largest request body, in bytes (413 above). Egress: largest body / NDJSON request sent. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Both, NDJSON only: largest request (ingress: 413 above; egress: a batch is split). Default 8 MiB. */
  readonly maxRequestBytes?: number | undefined;
  /** Ingress: most messages taken and not yet acknowledged (the window; 429 above). Egress (ndjson): most lines per request. Default 1024. */
  readonly maxInFlight?: number | undefined;
  /** Ingress: most requests being read or waiting for their acknowledgement (429 above). Default 256. */
  readonly maxPendingRequests?: number | undefined;
  /** Ingress: the `Retry-After` of a 429 / 503, in seconds. Default 1. */
  readonly retryAfterSeconds?: number | undefined;
  /** Egress: `http://` or `https://` URL the messages are sent to (required as an egress). Secret. */
  readonly url?: string | undefined;
  /** Egress: the request method. Default `POST`. */
  readonly method?: 'POST' | 'PUT' | 'PATCH' | undefined;
  /** Egress: `message` (one request per message) or `ndjson` (one request per batch). Default `message`. */
  readonly batching?: 'message' | 'ndjson' | undefined;
  /** Egress: requests in parallel within a batch (`message` batching). Default 1 (keeps order). */
  readonly concurrency?: number | undefined;
  /** Egress: longest wait for a response's headers or body, in ms. Default 30000. */
  readonly timeoutMs?: number | undefined;
  /** Egress: longest connect (TCP + TLS), in ms. Default 10000. */
  readonly connectTimeoutMs?: number | undefined;
  /** Egress: static request headers (`headers.<Name>=value` in the adapter config). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** The options after validation, with every default filled in. */
export interface ResolvedHttpOptions extends TlsOptions, ListenTlsOptions {
  readonly listen?: string | undefined;
  readonly path: string;
  readonly framing: 'message' | 'ndjson';
  readonly headerAllowList?: string[] | undefined;
  readonly authToken?: string | undefined;
  readonly hmacSecret?: string | undefined;
  readonly hmacHeader: string;
  readonly maxBodyBytes: number;
  readonly maxRequestBytes: number;
  readonly maxInFlight: number;
  readonly maxPendingRequests: number;
  readonly retryAfterSeconds: number;
  readonly url?: string | undefined;
  readonly method: 'POST' | 'PUT' | 'PATCH';
  readonly batching: 'message' | 'ndjson';
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly headers?: Record<string, string> | undefined;
}

/** Default of `maxBodyBytes`: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES: number = 1024 * 1024;
/** Default of `maxInFlight`. */
export const DEFAULT_MAX_IN_FLIGHT = 1024;

const int = (min: number, max: number, fallback: number, description: string) =>
  kv.int(min, max).default(fallback).meta({ description });

/** An HTTP token (RFC 9110 §5.6.2): what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A header value without control characters (CR, LF, NUL...). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const listen = z
  .string()
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/,
    'expected host:port, e.g. 127.0.0.1:8080 (IPv6 in brackets: [::1]:8080)',
  )
  .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, 'expected a port ≤ 65535')
  .optional()
  .meta({
    description:
      'Ingress: `host:port` the HTTP server listens on (required as an ingress), e.g. `127.0.0.1:8080`; `0.0.0.0:8080` for every interface. Port 0 picks a free port (library use: read `address`).',
  });

/**
 * `http://` or `https://`. Declared secret: a URL may carry `user:password@` or a token in its
 * query. Its error never repeats the value; errors elsewhere name only scheme, host, port and path.
 */
const url = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'expected an http://host[:port]/path or https://… URL (the value is not shown: it may hold a token)')
  .refine((v) => {
    try {
      return new URL(v).hash === '';
    } catch {
      return true;
    }
  }, 'expected no #fragment (it is never sent)')
  .optional()
  .meta({
    description:
      'Egress: where messages are sent, `http://host:port/path` or `https://…` (TLS, like `tls=true`; `tls=false` with it is refused). A query string is sent as is. `user:password@` in the URL is sent as Basic authentication. Secret: redacted wherever the config is printed; errors name only scheme, host, port and path.',
    type: 'url',
    secret: true,
  });

const headerName = z.string().regex(TOKEN, 'expected an HTTP header name (letters, digits, -)');

const schema = z.object({
  listen,
  path: z
    .string()
    .regex(/^\/[^\s?#]*$/, 'expected an absolute path such as / or /ingest (no query)')
    .default('/')
    .meta({
      description:
        'Ingress: the one path requests are accepted on (exact match, the query ignored); any other path is answered 404.',
    }),
  framing: kv.oneOf(['message', 'ndjson']).default('message').meta({
    description:
      'Ingress: `message`: one request body is one message (bytes unchanged). `ndjson`: each LF-terminated line of the body is one message (a CR before the LF is dropped); the request is answered 204 only once every line was taken.',
  }),
  headerAllowList: kv.list().optional().meta({
    description:
      'Ingress: request headers (comma-separated names, case-insensitive) copied into every message of the request as headers, under their lower-case name. `X-Edgeplane-Key` and `X-Edgeplane-Headers` (sent by this transport\u2019s egress) are always read.',
  }),
  authToken: kv.secret().optional().meta({
    description:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the adapter config's `${ENV}` syntax, not a template
      'Both: bearer token. Ingress: every request must carry `Authorization: Bearer <token>` (401 without, 403 with another). Egress: sent as `Authorization: Bearer <token>`. Secret: use `${ENV}` in the adapter config.',
  }),
  hmacSecret: kv.secret().optional().meta({
    description:
      'Both: HMAC-SHA256 key. Ingress: every request must carry `<hmacHeader>: sha256=<hex of HMAC-SHA256(key, raw body)>` (401 when missing or wrong; compared in constant time), like GitHub webhooks. Egress: that header is sent. Secret.',
  }),
  hmacHeader: headerName
    .default('x-signature')
    .meta({ description: 'Both: the header carrying the `sha256=<hex>` body signature.' }),
  maxBodyBytes: int(
    1,
    1024 * 1024 * 1024,
    DEFAULT_MAX_BODY_BYTES,
    'Largest message body, in bytes (`capabilities.maxBodyBytes`). Ingress: a request body above it (with `framing=ndjson`: a line above it) is answered 413; reading stops at the limit. Egress: a body above it is refused alone (`too-large`) without being sent.',
  ),
  maxRequestBytes: int(
    1,
    1024 * 1024 * 1024,
    8 * 1024 * 1024,
    'NDJSON only (`framing=ndjson` / `batching=ndjson`), in bytes. Ingress: largest request body (413 above; reading stops at the limit). Egress: the most bytes per request (a batch is split into several requests, sent in order). Keep the egress value ≤ the peer\u2019s.',
  ),
  maxInFlight: int(
    1,
    1_000_000,
    DEFAULT_MAX_IN_FLIGHT,
    'Ingress: the window: most messages taken from requests and not yet acknowledged by the egress (`capabilities.maxInFlight`); a request that would exceed it is answered 429 with `Retry-After`. An NDJSON request with more lines is answered 413. Egress (`batching=ndjson`): the most lines per request (a batch is split); keep it ≤ the peer\u2019s window.',
  ),
  maxPendingRequests: int(
    1,
    100_000,
    256,
    'Ingress: most requests being read or waiting for their acknowledgement at once; more are answered 429 with `Retry-After` before their body is read. Memory stays below about `maxPendingRequests × maxBodyBytes` (`× maxRequestBytes` with NDJSON).',
  ),
  retryAfterSeconds: int(
    0,
    3600,
    1,
    'Ingress: the `Retry-After` header (seconds) of a 429 (window full) or 503 (closing).',
  ),
  url,
  method: kv
    .oneOf(['POST', 'PUT', 'PATCH'])
    .default('POST')
    .meta({ description: 'Egress: the request method.' }),
  batching: kv.oneOf(['message', 'ndjson']).default('message').meta({
    description:
      'Egress: `message`: one request per message (body unchanged, key in `X-Edgeplane-Key`, headers in `X-Edgeplane-Headers`), `concurrency` at a time over keep-alive connections. `ndjson`: one `application/x-ndjson` request per batch (each body + LF; keys and headers are not sent; a body with LF or ending with CR is refused alone), split by `maxInFlight` lines and `maxRequestBytes`.',
  }),
  concurrency: int(
    1,
    1024,
    1,
    'Egress: requests in flight at once within a batch (`batching=message`), each on its own keep-alive connection. Above 1 the peer may receive a batch out of order (`capabilities.ordering` is then `none`); the batch is `ok` only when every request answered 2xx.',
  ),
  timeoutMs: int(
    100,
    3_600_000,
    30_000,
    'Egress: longest wait for a response (its headers, then between body chunks), in ms; past it the batch is a retryable `timeout`.',
  ),
  connectTimeoutMs: int(
    100,
    600_000,
    10_000,
    'Egress: longest connect (TCP and TLS handshake), in ms; past it the batch is retryable (`unavailable`).',
  ),
  headers: z
    .record(z.string(), z.string().regex(FIELD_VALUE, 'expected a header value without CR/LF'))
    .optional()
    .meta({
      description:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the adapter config's `${ENV}` syntax, not a template
        'Egress: static request headers, one option each: `headers.<Name>=value` (a value may be `${ENV}`). Sent on every request; `Authorization` from `authToken` wins over `headers.Authorization`. Secret: redacted wherever the config is printed.',
      type: 'headers.<Name>=value',
      secret: true,
    }),
  // The contract's fields, descriptions unchanged: `tls` is also turned on by an https:// URL.
  ...tlsOptionFields,
  ...listenTlsOptionFields,
});

/** How TLS is turned on for the egress: the hint of errors about TLS being off. */
export const TLS_ENABLE_HINT = 'use an https:// URL (or set tls=true with it) for the TLS port';

/** Whether the egress speaks TLS: an `https://` URL or `tls=true`. */
export function tlsEnabled(options: {
  readonly url?: string | undefined;
  readonly tls?: boolean | undefined;
}): boolean {
  return options.tls === true || (options.url?.startsWith('https:') ?? false);
}

/** Checks across options, so `validate` refuses what `open()` would. */
const checked = schema.superRefine((o, ctx) => {
  if (o.listen === undefined && o.url === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message:
        'is required for the egress (`listen` for the ingress): set `url=http://127.0.0.1:8080/in`, or `listen=127.0.0.1:8080` on an ingress',
    });
  const https = o.url?.startsWith('https:') ?? false;
  if (o.tls === false && https)
    ctx.addIssue({
      code: 'custom',
      path: ['tls'],
      message: 'is false but `url` is https:// (TLS); use an http:// URL for plaintext',
    });
  if (o.tls === true && o.url !== undefined && !https)
    ctx.addIssue({
      code: 'custom',
      path: ['tls'],
      message: 'is true but `url` is http://; use an https:// URL',
    });
  const set = tlsOptionSetWhileOff(o, tlsEnabled(o));
  if (set)
    ctx.addIssue({
      code: 'custom',
      path: [set],
      message: `is set but TLS is off (it would be ignored): ${TLS_ENABLE_HINT}; for the listener's own certificate (an ingress), use listenTlsCertFile / listenTlsKeyFile`,
    });
  for (const name of Object.keys(o.headers ?? {}))
    if (!TOKEN.test(name))
      ctx.addIssue({
        code: 'custom',
        path: ['headers', name],
        message: 'expected an HTTP header name (letters, digits, -)',
      });
  if (o.authToken !== undefined && !/^[\x21-\x7e]+$/.test(o.authToken))
    ctx.addIssue({
      code: 'custom',
      path: ['authToken'],
      message: 'expected printable ASCII without spaces (it is sent in a header)',
    });
});

/** One line for `edgeplane transports`. */
export const SUMMARY =
  'HTTP: ingress server whose response is the acknowledgement (429 when its window is full), egress POSTs per message or as NDJSON over keep-alive connections';

/**
 * Options named `headers.<Name>` (how the adapter config writes them) folded into `headers`, so
 * the strict schema sees one `headers` record. A `headers` object given as well is merged.
 */
export function foldHeaderOptions(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const out: Record<string, unknown> = {};
  let headers: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('headers.')) {
      headers ??= {};
      headers[key.slice('headers.'.length)] = value;
    } else out[key] = value;
  }
  if (headers) {
    const given = out.headers;
    out.headers =
      typeof given === 'object' && given !== null ? { ...given, ...headers } : { ...headers };
  }
  return out;
}

/**
 * Builds the descriptor from the (private) zod schema: `parseOptions` rejects unknown or invalid
 * options with `invalid-config` naming the option, `describeOptions` feeds help and docs.
 */
export function defineHttpTransport(
  create: (options: ResolvedHttpOptions) => Transport,
): TransportDescriptor<ResolvedHttpOptions> {
  const base = defineTransport({ name: 'http', summary: SUMMARY, options: checked, create });
  return {
    ...base,
    parseOptions: (input: unknown) => {
      try {
        return base.parseOptions(foldHeaderOptions(input));
      } catch (error) {
        throw error instanceof EdgeplaneError
          ? error
          : EdgeplaneError.from(error, 'transport:http');
      }
    },
  };
}

// Compile-time check: the hand-written interfaces and the schema agree (both directions).
type Parsed = z.output<typeof schema>;
const _parsedIsResolved: ResolvedHttpOptions = {} as Parsed;
const _resolvedIsParsed: Parsed = {} as ResolvedHttpOptions;
