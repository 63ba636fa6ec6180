import {
  EdgeplaneError,
  type InboundBatch,
  type LagReading,
  loadListenTls,
  loadTls,
  type OpenContext,
  type OutboundMessage,
  type ReceiveOptions,
  type SendResult,
  sendFailed,
  sendRetryable,
  type Transport,
  type TransportCapabilities,
  type TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { checkWebSocket } from './check.js';
import { COMPONENT, closedError, noUrl, openCancelled } from './errors.js';
import { Link } from './link.js';
import {
  defineWebSocketTransport,
  type ResolvedWebSocketOptions,
  TLS_ENABLE_HINT,
  tlsEnabled,
  type WebSocketTransportOptions,
} from './options.js';
import { Listener } from './server.js';
import { WebSocketSink } from './sink.js';
import { Inbox } from './source.js';

/** What the ingress can tell about itself (also the snapshot's lag: messages held). */
export interface WebSocketStats {
  /** `host:port` listened on (a listening ingress), else undefined. */
  readonly listening: string | undefined;
  /** Open connections of the ingress. */
  readonly connections: number;
  /** Connections accepted or dialled since open. */
  readonly connectionsTotal: number;
  /** Messages received, and acknowledged to the peers. */
  readonly received: number;
  readonly acked: number;
  /** Received and not yet acknowledged (queued or with the loop). */
  readonly held: number;
}

/** The WebSocket transport: a `Transport` with both roles, plus what only it has. */
export interface WebSocketTransport extends Transport {
  readonly options: ResolvedWebSocketOptions;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Messages the ingress holds: received, not yet acknowledged (unit `messages`). */
  lag(): Promise<LagReading>;
  /** The ingress's listening address, connections and counts. */
  stats(): WebSocketStats;
}

/**
 * What the transport promises for these options. With `edgeplane.v1`: at-least-once, keys and
 * headers in the envelope. With `none`: at-most-once, bodies only. Never redelivery or replay: a
 * message comes back only because the peer sends it again.
 *
 * `maxBodyBytes` is `maxPayload` (a larger body fails alone with `too-large`, before sending).
 */
export function webSocketCapabilities(
  options: Pick<ResolvedWebSocketOptions, 'ackProtocol' | 'maxInFlight'> &
    Partial<Pick<ResolvedWebSocketOptions, 'maxPayload'>>,
): TransportCapabilities {
  const v1 = options.ackProtocol !== 'none';
  return Object.freeze({
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: false,
    replay: false,
    keys: v1,
    headers: v1,
    delivery: v1 ? 'at-least-once' : 'at-most-once',
    framing: 'message',
    maxInFlight: options.maxInFlight,
    ...(options.maxPayload !== undefined ? { maxBodyBytes: options.maxPayload } : {}),
  });
}

const definition = defineWebSocketTransport((options) => buildWebSocketTransport(options));

/** The descriptor for the CLI and dynamic loading. */
export const webSocketTransport: TransportDescriptor<ResolvedWebSocketOptions> = definition;

/**
 * Creates a WebSocket transport. Options are validated synchronously.
 * @throws EdgeplaneError `invalid-config` naming the option and the fix.
 * @example
 * const egress = createWebSocketTransport({ url: 'ws://127.0.0.1:8080/ingest' });
 * const ingress = createWebSocketTransport({ listen: '127.0.0.1:8080', path: '/ingest' });
 */
export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  return definition.create(options as ResolvedWebSocketOptions) as WebSocketTransport;
}

function buildWebSocketTransport(options: ResolvedWebSocketOptions): WebSocketTransport {
  const v1 = options.ackProtocol !== 'none';
  const inbox = new Inbox(options.maxInFlight, v1);
  let listener: Listener | undefined;
  let link: Link | undefined;
  let opening: Promise<void> | undefined;
  let closed = false;
  const sink = new WebSocketSink(options, () => link);

  async function start(context: OpenContext | undefined): Promise<void> {
    const role = context?.role ?? (options.listen !== undefined ? 'ingress' : 'egress');
    const report = context?.onStateChange ?? (() => {});
    if (role === 'ingress' && options.listen !== undefined) {
      const tls = await loadListenTls(options, COMPONENT);
      listener = new Listener(options, tls, inbox);
      await listener.start();
      report('ready');
      return;
    }
    if (options.url === undefined) throw noUrl();
    const tls = await loadTls(options, {
      component: COMPONENT,
      enabled: tlsEnabled(options),
      enableHint: TLS_ENABLE_HINT,
    });
    const url = options.url;
    link = new Link(
      { ...options, url, tls },
      (ws) => {
        if (role === 'ingress') inbox.accept(ws, link?.server ?? url);
        else sink.attach(ws);
      },
      (state, error) => {
        if (state === 'failed' && error) inbox.failure = error;
        report(state, error);
      },
    );
    await link.open(context?.signal, role === 'egress');
  }

  return {
    name: 'websocket',
    options,
    capabilities: webSocketCapabilities(options),
    async open(context) {
      if (closed) throw closedError();
      const signal = context?.signal;
      if (signal?.aborted) throw openCancelled();
      opening ??= start(context).catch((error: unknown) => {
        opening = undefined;
        link?.close();
        link = undefined;
        if (signal?.aborted) throw openCancelled();
        throw EdgeplaneError.from(error, COMPONENT, 'unavailable');
      });
      await opening;
    },
    async send(batch, signal) {
      if (closed) return sendFailed(closedError());
      if (options.url === undefined) return sendFailed(noUrl());
      if (!opening) {
        // Opened lazily by a first send (library use without open()).
        try {
          await this.open({ role: 'egress' });
        } catch (error) {
          const e = EdgeplaneError.from(error, COMPONENT, 'unavailable');
          return e.retryable ? sendRetryable(e) : sendFailed(e);
        }
      }
      return sink.send(batch, signal);
    },
    /** Doctor's checks (check.ts): binds and releases `listen`, or upgrades and closes at once. */
    check: (context) => checkWebSocket(options, context),
    receive: (receiveOptions) => inbox.receive(receiveOptions),
    lag: async () => ({ lag: inbox.held() }),
    stats: () => ({
      listening: listener?.address(),
      connections: inbox.peerCount(),
      connectionsTotal: inbox.connections,
      received: inbox.received,
      acked: inbox.acked,
      held: inbox.held(),
    }),
    async close() {
      if (closed) return;
      closed = true;
      sink.closed = true;
      inbox.close();
      link?.close();
      await listener?.close();
    },
  };
}
