import type {
  InboundBatch,
  LagReading,
  OpenContext,
  OutboundMessage,
  ReceiveOptions,
  SendResult,
  Transport,
  TransportCapabilities,
  TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { checkHttp } from './check.js';
import { HttpEgress } from './egress.js';
import { closedError } from './errors.js';
import { HttpIngress, type IngressStats } from './ingress.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_IN_FLIGHT,
  defineHttpTransport,
  type HttpTransportOptions,
  type ResolvedHttpOptions,
} from './options.js';

/** The HTTP transport: a `Transport` with both roles, plus what only it has. */
export interface HttpTransport extends Transport {
  readonly options: ResolvedHttpOptions;
  /** Where the ingress listens (after `open()` as an ingress), e.g. to learn a port-0 listener's port. */
  readonly address: { readonly host: string; readonly port: number } | undefined;
  /** The ingress's counters (requests acknowledged, refused by status, connections, window in use). */
  readonly stats: Readonly<IngressStats>;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Ingress: destroys every client connection (requests not yet answered are dropped; clients resend). */
  dropConnections(): void;
  /** Messages taken by the ingress and not yet acknowledged (`unit: messages`). */
  lag(): Promise<LagReading>;
}

/**
 * What the HTTP transport promises, given its options. The source is a push source: a message
 * comes back only because the client sends it again (`redelivery`/`replay` false). Ordering is
 * the order requests complete: `total` for one client sending one request at a time
 * (`concurrency=1`, or `batching=ndjson`), `none` with parallel requests.
 */
export function httpCapabilities(options: ResolvedHttpOptions): TransportCapabilities {
  const lines = options.framing === 'ndjson' || options.batching === 'ndjson';
  return Object.freeze({
    source: true,
    sink: true,
    ordering: options.batching === 'ndjson' || options.concurrency === 1 ? 'total' : 'none',
    redelivery: false,
    replay: false,
    keys: !lines,
    headers: !lines,
    delivery: 'at-least-once',
    framing: lines ? 'line' : 'message',
    maxBodyBytes: options.maxBodyBytes,
    maxInFlight: options.maxInFlight,
  });
}

/** The capabilities with the default options. */
export const httpDefaultCapabilities: TransportCapabilities = httpCapabilities({
  path: '/',
  framing: 'message',
  hmacHeader: 'x-signature',
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxRequestBytes: 8 * 1024 * 1024,
  maxInFlight: DEFAULT_MAX_IN_FLIGHT,
  maxPendingRequests: 256,
  retryAfterSeconds: 1,
  method: 'POST',
  batching: 'message',
  concurrency: 1,
  timeoutMs: 30_000,
  connectTimeoutMs: 10_000,
});

const definition = defineHttpTransport((options) => buildHttpTransport(options));

/**
 * The descriptor, for the CLI and dynamic loading (`ingress.transport=http`).
 * `create()` validates like `parseOptions()`, so bad options are `invalid-config` there too.
 */
export const httpTransport: TransportDescriptor<ResolvedHttpOptions> = {
  ...definition,
  create: (options) => createHttpTransport(options),
};

/**
 * Creates an HTTP transport; the options are validated now (`invalid-config` naming the option).
 * Nothing listens or connects before `open()`; `listen` is required as an ingress and `url` as an
 * egress (`invalid-config` from `open()` otherwise).
 * @example
 * const ingress = createHttpTransport({ listen: '127.0.0.1:8080', path: '/ingest', authToken: process.env.TOKEN });
 * const egress = createHttpTransport({ url: 'https://hooks.example.com/in', authToken: process.env.TOKEN });
 * await ingress.open({ role: 'ingress' });
 * await egress.open({ role: 'egress' });
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  return buildHttpTransport(definition.parseOptions(options));
}

function buildHttpTransport(options: ResolvedHttpOptions): HttpTransport {
  const ingress = new HttpIngress(options);
  const egress = new HttpEgress(options);
  let closed = false;
  return {
    name: 'http',
    capabilities: httpCapabilities(options),
    options,
    get address() {
      return ingress.address;
    },
    get stats() {
      return ingress.stats;
    },
    /**
     * As an ingress: listens (`invalid-config` naming `listen` when missing or when it cannot
     * bind; `tls` naming a `listenTls*` option for a bad certificate file). As an egress: reads
     * the TLS files and makes the connection pool (`invalid-config` naming `url` when missing).
     */
    async open(context?: OpenContext) {
      if (closed) throw closedError();
      if (context?.role === 'ingress') {
        ingress.onStateChange ??= context.onStateChange;
        await ingress.open();
      } else {
        egress.onStateChange ??= context?.onStateChange;
        await egress.open();
        egress.opened();
      }
    },
    /** Doctor's checks (check.ts): binds and releases `listen`, or connects and sends one OPTIONS. */
    check: (context) => checkHttp(options, context),
    dropConnections: () => ingress.dropConnections(),
    send: (batch, signal) => egress.send(batch, signal),
    receive: (receiveOptions) => ingress.receive(receiveOptions),
    lag: async () => ({ lag: ingress.backlog }),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([ingress.close(), egress.close()]);
    },
  };
}
