import type {
  CheckContext,
  InboundBatch,
  LagReading,
  OpenContext,
  OutboundMessage,
  ReceiveOptions,
  SendResult,
  Transport,
  TransportCheck,
  TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { sendFailed } from '@edgeplane/adapter-loop/transport';
import { natsCapabilities } from './capabilities.js';
import { checkNats } from './check.js';
import { CoreSource } from './core-source.js';
import { cancelledError, closedError, natsError, openCancelled } from './errors.js';
import {
  defineNatsTransport,
  type NatsTransportOptions,
  type ResolvedNatsOptions,
} from './options.js';
import { failure, sendCore, sendJetStream } from './send.js';
import { NatsSession, type Sink } from './session.js';

export { natsCapabilities };

/** The NATS transport: a `Transport` with both roles, plus what only NATS has. */
export interface NatsTransport extends Transport {
  readonly options: ResolvedNatsOptions;
  /** Core source: messages dropped because `coreBufferMessages` were waiting. */
  readonly dropped: number;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** JetStream: the durable's `num_pending + num_ack_pending`; core: messages waiting in memory. */
  lag(): Promise<LagReading>;
  check(context: CheckContext): Promise<readonly TransportCheck[]>;
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
  const session = new NatsSession(options);
  let closed = false;
  return {
    name: 'nats',
    capabilities: natsCapabilities(options),
    options,
    get dropped() {
      return session.source instanceof CoreSource ? session.source.dropped : 0;
    },
    /** Connects; `ingress` also checks (or creates) the stream and consumer, `egress` the stream. */
    async open(context?: OpenContext) {
      if (closed) throw closedError();
      const signal = context?.signal;
      if (signal?.aborted) throw openCancelled();
      session.listener = context?.onStateChange ?? session.listener;
      session.onGroupEvent = context?.onGroupEvent ?? session.onGroupEvent;
      // An abort rejects `cancelled` at once and closes what was opened (in the background).
      let onAbort = (): void => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(openCancelled());
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => undefined);
      try {
        await Promise.race([session.connection(signal), aborted]);
        if (context?.role === 'ingress') await Promise.race([session.openSource(), aborted]);
        if (context?.role === 'egress') await Promise.race([session.openSink(), aborted]);
      } catch (error) {
        if (!signal?.aborted) throw error;
        session.reset();
        throw openCancelled();
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    async send(batch, signal) {
      if (closed) return sendFailed(closedError());
      if (signal?.aborted) return sendFailed(cancelledError());
      let sink: Sink;
      try {
        sink = await session.openSink();
      } catch (error) {
        return failure(natsError(error, 'cannot open the sink'));
      }
      if (closed) return sendFailed(closedError());
      return sink.acks
        ? sendJetStream(sink.acks, sink.connection, options, batch)
        : sendCore(sink.connection, options, batch);
    },
    async *receive(receiveOptions) {
      if (closed || receiveOptions.signal.aborted) return;
      const source = await session.openSource();
      if (closed) return;
      yield* source.receive(receiveOptions);
    },
    async lag() {
      return session.source && !closed ? session.source.lag() : { lag: null };
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.close();
    },
    /** Doctor's checks, on a connection of their own (src/check.ts); reads only. */
    check: (context) => checkNats(options, context),
  };
}
