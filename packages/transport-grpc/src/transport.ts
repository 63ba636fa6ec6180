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
import { checkGrpc } from './check.js';
import { Egress } from './egress.js';
import { closedError, missingForRole, openCancelled } from './errors.js';
import { Ingress, type IngressStats } from './ingress.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_IN_FLIGHT,
  defineGrpcTransport,
  type GrpcTransportOptions,
  type ResolvedGrpcOptions,
} from './options.js';

/** The gRPC transport: a `Transport` with both roles, plus what only it has. */
export interface GrpcTransport extends Transport {
  readonly options: ResolvedGrpcOptions;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Ingress: messages held (queued + delivered, not acknowledged). */
  lag(): Promise<LagReading>;
  /** Ingress: `host:port` it listens on (after `open()` as ingress), e.g. with `listen=127.0.0.1:0`. */
  readonly listening: string | undefined;
  /** Ingress: address, open connections, calls and messages counted. */
  stats(): IngressStats;
}

/**
 * What the transport promises. A push source: the ingress holds at most `maxInFlight` messages
 * (its window), and a message comes back only because the client sends its call again (no
 * redelivery or replay of its own). Ordering is total for one client sending one call at a time.
 */
export const grpcCapabilities: TransportCapabilities = Object.freeze({
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: false,
  replay: false,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxInFlight: DEFAULT_MAX_IN_FLIGHT,
});

const definition = defineGrpcTransport((options) => buildGrpcTransport(options));

/** The descriptor, for the CLI and dynamic loading (`ingress.transport=grpc`). */
export const grpcTransport: TransportDescriptor<ResolvedGrpcOptions> = {
  ...definition,
  create: (options) => createGrpcTransport(options),
};

/**
 * Creates a gRPC transport; the options are validated now (`invalid-config` naming the option).
 * Nothing listens or connects before `open()`: as `ingress` it listens on `listen`, as `egress`
 * it connects to `url`.
 * @example
 * const ingress = createGrpcTransport({ listen: '127.0.0.1:50051', authToken: process.env.TOKEN });
 * const egress = createGrpcTransport({ url: 'http://127.0.0.1:50051', authToken: process.env.TOKEN });
 * await ingress.open({ role: 'ingress' });
 * await egress.open({ role: 'egress' });
 */
export function createGrpcTransport(options: GrpcTransportOptions): GrpcTransport {
  return buildGrpcTransport(definition.parseOptions(options));
}

function buildGrpcTransport(options: ResolvedGrpcOptions): GrpcTransport {
  const ingress = new Ingress(options);
  let egress: Egress | undefined;
  let closed = false;
  const sink = (): Egress => {
    if (options.url === undefined) throw missingForRole('url', 'egress');
    egress ??= new Egress(options);
    return egress;
  };
  const capabilities =
    options.maxBodyBytes === DEFAULT_MAX_BODY_BYTES && options.maxInFlight === DEFAULT_MAX_IN_FLIGHT
      ? grpcCapabilities
      : Object.freeze({
          ...grpcCapabilities,
          maxBodyBytes: options.maxBodyBytes,
          maxInFlight: options.maxInFlight,
        });
  return {
    name: 'grpc',
    capabilities,
    options,
    get listening() {
      return ingress.listening;
    },
    stats: () => ingress.stats(),
    /**
     * As `ingress`: reads the `listenTls*` files and listens (`unavailable` when the port is
     * taken). Otherwise (`egress`, or no role): reads the `tls*` files and connects to `url`
     * (`unavailable` when nothing answers, `tls` for a certificate problem).
     */
    async open(context?: OpenContext) {
      if (closed) throw closedError();
      if (context?.signal?.aborted) throw openCancelled();
      if (
        context?.role === 'ingress' ||
        (context?.role === undefined && options.url === undefined)
      ) {
        ingress.onStateChange ??= context?.onStateChange;
        await ingress.open();
        return;
      }
      const e = sink();
      e.onStateChange ??= context?.onStateChange;
      await e.open(context?.signal);
    },
    async send(batch, signal) {
      if (closed) return { status: 'failed', error: closedError() };
      return sink().send(batch, signal);
    },
    /** Doctor's checks (check.ts): binds and releases `listen`, or connects and calls with no messages. */
    check: (context) => checkGrpc(options, context),
    receive: (receiveOptions) => ingress.receive(receiveOptions),
    lag: async () => ({ lag: ingress.lag }),
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([ingress.close(), egress?.close()]);
    },
  };
}
