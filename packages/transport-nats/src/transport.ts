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
import { sendFailed } from '@edgeplane/adapter-loop/transport';
import type { JetStreamClient, JetStreamManager } from 'nats';
import { Connection } from './connection.js';
import { CoreSource } from './core-source.js';
import { cancelledError, closedError, natsError } from './errors.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  defineNatsTransport,
  type NatsTransportOptions,
  type ResolvedNatsOptions,
} from './options.js';
import { PubAcks, sendCore, sendJetStream } from './send.js';
import { ensureConsumer, ensureStream } from './setup.js';
import { JetStreamSource } from './source.js';

/** The NATS transport: a `Transport` with both roles, plus what only NATS has. */
export interface NatsTransport extends Transport {
  readonly options: ResolvedNatsOptions;
  /** Core source: messages dropped because `coreBufferMessages` were waiting. */
  readonly dropped: number;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** JetStream: the durable's `num_pending + num_ack_pending`; core: messages waiting in memory. */
  lag(): Promise<LagReading>;
}

/**
 * What the NATS transport promises for a mode. JetStream: at-least-once with redelivery (nack,
 * ack wait, close) and replay by stream sequence; ordering `none`, because JetStream redelivers a
 * message after newer ones when it was not acknowledged in time (a crash, a server restart, a
 * nack with delay, several processes on one durable). Core: at-most-once, no redelivery after a
 * restart, no replay; ordering `total`: one subscription sees the messages in the order the
 * server received them (a publisher's own order is kept), and the sink publishes a batch in order.
 */
export function natsCapabilities(options: {
  readonly mode?: 'jetstream' | 'core' | undefined;
  readonly maxBodyBytes?: number | undefined;
}): TransportCapabilities {
  const jetstream = (options.mode ?? 'jetstream') === 'jetstream';
  return {
    source: true,
    sink: true,
    ordering: jetstream ? 'none' : 'total',
    redelivery: jetstream,
    replay: jetstream,
    keys: true,
    headers: true,
    delivery: jetstream ? 'at-least-once' : 'at-most-once',
    framing: 'message',
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };
}

const definition = defineNatsTransport((options) => buildNatsTransport(options));

/** The descriptor, for the CLI and dynamic loading (`ingress.transport=nats`). */
export const natsTransport: TransportDescriptor<ResolvedNatsOptions> = definition;

/**
 * Creates a NATS transport; the options are validated now (`invalid-config` naming the option).
 * @example
 * const ingress = createNatsTransport({
 *   servers: 'nats://127.0.0.1:4222', stream: 'LOGS', subject: 'logs.>', durable: 'edgeplane',
 * });
 * const egress = createNatsTransport({ servers: 'nats://127.0.0.1:4222', stream: 'OUT', subject: 'out' });
 * await ingress.open({ role: 'ingress' });
 */
export function createNatsTransport(options: NatsTransportOptions): NatsTransport {
  return buildNatsTransport(definition.parseOptions(options));
}

function buildNatsTransport(options: ResolvedNatsOptions): NatsTransport {
  const jetstream = options.mode === 'jetstream';
  const capabilities = natsCapabilities(options);
  let connecting: Promise<Connection> | undefined;
  let listener: OpenContext['onStateChange'];
  let js: JetStreamClient | undefined;
  let jsm: JetStreamManager | undefined;
  let source: JetStreamSource | CoreSource | undefined;
  let sourceReady: Promise<JetStreamSource | CoreSource> | undefined;
  let sinkReady: Promise<void> | undefined;
  let pubAcks: PubAcks | undefined;
  let closed = false;

  const connection = (): Promise<Connection> => {
    connecting ??= Connection.open(options, (state, error) => listener?.(state, error)).catch(
      (error: unknown) => {
        connecting = undefined;
        throw error;
      },
    );
    return connecting;
  };
  const manager = async (c: Connection): Promise<JetStreamManager> => {
    js ??= c.nc.jetstream({ timeout: options.requestTimeoutMs });
    try {
      jsm ??= await c.nc.jetstreamManager({ timeout: options.requestTimeoutMs });
    } catch (error) {
      throw natsError(error, 'cannot use JetStream');
    }
    return jsm;
  };
  const openSource = (): Promise<JetStreamSource | CoreSource> => {
    sourceReady ??= (async () => {
      const c = await connection();
      if (!jetstream) {
        const core = new CoreSource(options, c);
        await core.open();
        source = core;
        return core;
      }
      const m = await manager(c);
      await ensureStream(m, options, false);
      const { ackWaitMs } = await ensureConsumer(m, options);
      const s = new JetStreamSource(options, c, js as JetStreamClient, m, (e) =>
        listener?.(c.state, e),
      );
      s.ackWaitMs = ackWaitMs;
      source = s;
      return s;
    })().catch((error: unknown) => {
      sourceReady = undefined;
      throw error;
    });
    return sourceReady;
  };
  const openSink = (): Promise<void> => {
    sinkReady ??= (async () => {
      const c = await connection();
      if (!jetstream) return;
      await ensureStream(await manager(c), options, true);
      pubAcks ??= new PubAcks(c.nc);
    })().catch((error: unknown) => {
      sinkReady = undefined;
      throw error;
    });
    return sinkReady;
  };

  return {
    name: 'nats',
    capabilities,
    options,
    get dropped() {
      return source instanceof CoreSource ? source.dropped : 0;
    },
    /** Connects; `ingress` also checks (or creates) the stream and consumer, `egress` the stream. */
    async open(context?: OpenContext) {
      if (closed) throw closedError();
      listener = context?.onStateChange ?? listener;
      await connection();
      if (context?.role === 'ingress') await openSource();
      if (context?.role === 'egress') await openSink();
    },
    async send(batch, signal) {
      if (closed) return sendFailed(closedError());
      if (signal?.aborted) return sendFailed(cancelledError());
      try {
        await openSink();
      } catch (error) {
        const e = natsError(error, 'cannot open the sink');
        return e.retryable ? { status: 'retryable', error: e } : sendFailed(e);
      }
      const c = await (connecting as Promise<Connection>);
      if (closed) return sendFailed(closedError());
      return jetstream
        ? sendJetStream(pubAcks as PubAcks, c, options, batch)
        : sendCore(c, options, batch);
    },
    async *receive(receiveOptions) {
      if (closed || receiveOptions.signal.aborted) return;
      const s = await openSource();
      if (closed) return;
      yield* s.receive(receiveOptions);
    },
    async lag() {
      return source && !closed ? source.lag() : { lag: null };
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = await connecting?.catch(() => undefined);
      await sourceReady?.catch(() => undefined);
      await source?.close().catch(() => undefined);
      pubAcks?.close();
      await c?.close();
    },
  };
}
