import type {
  CheckContext,
  InboundBatch,
  LagReading,
  OpenContext,
  OutboundMessage,
  ReceiveOptions,
  SendResult,
  Transport,
  TransportCapabilities,
  TransportCheck,
  TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { checkRabbitmqStreams } from './check.js';
import { closedError, openCancelled } from './errors.js';
import { Link } from './link.js';
import {
  defineRabbitmqStreamsTransport,
  type RabbitmqStreamsTransportOptions,
  type ResolvedRabbitmqStreamsOptions,
} from './options.js';
import { receiveBatches } from './receive.js';
import { MAX_BODY_BYTES, Sink } from './send.js';
import { Source } from './source.js';
import { TailProbe } from './tail-probe.js';
import { StreamTls } from './tls.js';
import { connectionTarget } from './url.js';

export { MAX_BODY_BYTES };

/** What the transport promises (the same for every option set). */
export const rabbitmqStreamsCapabilities: TransportCapabilities = Object.freeze({
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: true,
  replay: true,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
  maxBodyBytes: MAX_BODY_BYTES,
});

/** The RabbitMQ Streams transport: a `Transport` with both roles and its resolved options. */
export interface RabbitmqStreamsTransport extends Transport {
  readonly options: ResolvedRabbitmqStreamsOptions;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  lag(): Promise<LagReading>;
  /** `edgeplane doctor`'s checks, on a connection of their own (see `checkRabbitmqStreams`). */
  check(context: CheckContext): Promise<readonly TransportCheck[]>;
}

const definition = defineRabbitmqStreamsTransport((options) => buildTransport(options));

/** The descriptor, for the CLI and dynamic loading (`ingress.transport=rabbitmq-streams`). */
export const rabbitmqStreamsTransport: TransportDescriptor<ResolvedRabbitmqStreamsOptions> = {
  ...definition,
  create: (options) => createRabbitmqStreamsTransport(options),
};

/**
 * Creates a RabbitMQ Streams transport; the options are validated now (`invalid-config`).
 * @example
 * const ingress = createRabbitmqStreamsTransport({
 *   url: 'rabbitmq-stream://127.0.0.1:5552', stream: 'events', consumerName: 'to-archive',
 * });
 * const egress = createRabbitmqStreamsTransport({
 *   url: 'rabbitmq-stream://127.0.0.1:5552', stream: 'archive', publisherRef: 'archiver-1',
 * });
 */
export function createRabbitmqStreamsTransport(
  options: RabbitmqStreamsTransportOptions,
): RabbitmqStreamsTransport {
  return buildTransport(definition.parseOptions(options));
}

function buildTransport(options: ResolvedRabbitmqStreamsOptions): RabbitmqStreamsTransport {
  const target = connectionTarget(options.url, options);
  const tls = new StreamTls(options, target.tls);
  let sink: Sink | undefined;
  const link = new Link(options, target, tls, {
    confirm: (publisherId, connectionId, ids) => sink?.onConfirm(publisherId, connectionId, ids),
    publishError: (publisherId, connectionId, id, code) =>
      sink?.onPublishError(publisherId, connectionId, id, code),
  });
  sink = new Sink(link, options);
  const source = new Source(link, options, new TailProbe(options, target, tls));
  link.acknowledged = () => source.committed;
  let role: OpenContext['role'];
  return {
    name: 'rabbitmq-streams',
    capabilities: rabbitmqStreamsCapabilities,
    options,
    /**
     * Connects; `role: 'ingress'` reads the stored offset, `'egress'` declares the publisher.
     * An abort of `context.signal` rejects at once with `cancelled` and drops what was opened.
     */
    async open(context?: OpenContext) {
      if (link.closed) throw closedError();
      if (link.fatal) throw link.fatal;
      const signal = context?.signal;
      if (signal?.aborted) throw openCancelled();
      role ??= context?.role;
      link.role ??= role;
      if (context?.onStateChange) link.onStateChange = context.onStateChange;
      if (role === 'ingress') source.checkOptions(); // invalid-config before connecting
      let onAbort = (): void => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          link.abandonOpen();
          reject(openCancelled());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => {});
      try {
        await Promise.race([link.open(signal), aborted]);
        if (role === 'ingress') await Promise.race([source.open(), aborted]);
        if (role === 'egress') await Promise.race([sink.open(), aborted]);
      } catch (error) {
        throw signal?.aborted ? openCancelled() : error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    send: (batch, signal) => (sink as Sink).send(batch, signal),
    receive: (receiveOptions) => receiveBatches(source, receiveOptions),
    lag: async () => (role === 'egress' ? { lag: null } : source.lag()),
    check: (context) => checkRabbitmqStreams(options, target, tls, context),
    async close() {
      if (sink) sink.closed = true;
      // Never rejects: what could not be acknowledged is delivered again after a restart.
      await source.close().catch(() => {});
      await link.close();
    },
  };
}
