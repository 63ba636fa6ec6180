import type {
  CheckContext,
  EdgeplaneError,
  GroupEvent,
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
import { ConnectionPool } from '@platformatic/kafka';
import { checkKafka } from './check.js';
import { type KafkaLogEntry, loadKafkaTls } from './client.js';
import { closedError, connectionLost, kafkaError, noClientCertificate, scrub } from './errors.js';
import { LagReader } from './lag.js';
import { type KafkaTransportOptions, type ResolvedKafkaOptions, tlsSettings } from './options.js';
import { plaintextToTlsPort } from './plaintext.js';
import { receiveBatches } from './receive.js';
import { defineKafkaTransport } from './schema.js';
import { KafkaSink } from './send.js';
import { KafkaSource } from './source.js';
import { ConnectionTracker } from './state.js';

/** Optional hooks of a Kafka transport (library users only; the CLI passes none). */
export interface KafkaTransportHooks {
  /**
   * Receives the transport's client events (lost connections, failed fetches and rejoins), credentials
   * scrubbed. Default: dropped. @platformatic/kafka itself logs nothing (its `debug` namespace aside).
   */
  readonly log?: ((entry: KafkaLogEntry) => void) | undefined;
}

/** The client events the transport watches (every @platformatic/kafka client has them). */
export interface ClientEvents {
  on(
    event:
      | 'client:broker:failed'
      | 'client:broker:disconnect'
      | 'client:broker:connecting'
      | 'failed'
      | 'disconnect'
      | 'connecting',
    listener: (event: {
      broker: { host: string; port: number };
      connection?: { on(event: 'error', listener: (error: Error) => void): unknown };
    }) => void,
  ): unknown;
}

/** The Kafka transport: a `Transport` with both roles. */
export interface KafkaTransport extends Transport {
  readonly options: ResolvedKafkaOptions;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** The group's lag over the source's topics, in messages (refreshed every `lagIntervalMs`). */
  lag(): Promise<LagReading>;
  /** `edgeplane doctor`'s checks, on connections of their own (see `checkKafka`). */
  check(context: CheckContext): Promise<readonly TransportCheck[]>;
}

/** What the Kafka transport promises; the same for every option set but `maxBodyBytes`. */
export function kafkaCapabilities(maxBodyBytes = 1_000_000): TransportCapabilities {
  return {
    source: true,
    sink: true,
    ordering: 'per-key',
    redelivery: true,
    replay: true,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxBodyBytes,
  };
}

const definition = defineKafkaTransport((options) => buildKafkaTransport(options, {}));

/**
 * The descriptor, for the CLI and dynamic loading. `create()` validates like `parseOptions()`,
 * so bad options are `invalid-config` there too.
 */
export const kafkaTransport: TransportDescriptor<ResolvedKafkaOptions> = {
  ...definition,
  create: (options) => createKafkaTransport(options),
};

/**
 * Creates a Kafka transport; the options are validated now (`invalid-config` naming the option).
 * Nothing connects before `open()` (or the first `send()` / `receive()`).
 * @example
 * const ingress = createKafkaTransport({ brokers: ['127.0.0.1:9092'], topic: 'orders', groupId: 'billing' });
 * const egress = createKafkaTransport({ brokers: '127.0.0.1:9092', topic: 'orders-billed', compression: 'gzip' });
 * await ingress.open({ role: 'ingress' });
 * await egress.open({ role: 'egress' });
 */
export function createKafkaTransport(
  options: KafkaTransportOptions,
  hooks: KafkaTransportHooks = {},
): KafkaTransport {
  return buildKafkaTransport(definition.parseOptions(options), hooks);
}

function buildKafkaTransport(
  options: ResolvedKafkaOptions,
  hooks: KafkaTransportHooks,
): KafkaTransport {
  const tracker = new ConnectionTracker();
  const secrets = [options.saslPassword].filter((s): s is string => s !== undefined);
  const log = (level: KafkaLogEntry['level'], namespace: string, message: string) =>
    hooks.log?.({ level, namespace, message: scrub(message, secrets) });
  let closed = false;
  /** A lost or refused broker connection: `reconnecting` (the client retries on its own). */
  /** The last error each broker's connections reported (`host:port`): named as the cause. */
  const lastErrors = new Map<string, Error>();
  const watched = new WeakSet<object>();
  const watch = (client: ClientEvents) => {
    const lost = (what: string) => (event: { broker: { host: string; port: number } }) => {
      const broker = `${event.broker.host}:${event.broker.port}`;
      // the connection's own `error` comes with or just after this event: read it a tick later
      setImmediate(() => {
        if (closed) return;
        const error = connectionLost(`${what} ${broker}`, secrets, lastErrors.get(broker));
        log('warn', 'connection', error.message);
        tracker.lost(error);
      });
    };
    // a client forwards its pool's events with a prefix; a pool of our own has them bare
    const prefix = client instanceof ConnectionPool ? '' : 'client:broker:';
    client.on(`${prefix}failed` as 'failed', lost('cannot connect to'));
    client.on(`${prefix}disconnect` as 'disconnect', lost('disconnected from'));
    // a connection refused for its credentials (SASL) or its certificates (TLS) is permanent:
    // fail now (an `open()` under way too), with the broker's own words or the TLS option to
    // fix, instead of retrying `retries` / `reconnectRetries` times
    // (a client does not forward `connecting`: listen on its own pool)
    const pool = (client instanceof ConnectionPool
      ? client
      : ((client as { connections?: unknown }).connections ?? client)) as unknown as ClientEvents;
    pool.on('connecting', (event) => {
      const connection = event.connection;
      if (!connection || watched.has(connection)) return;
      watched.add(connection);
      // `on`, not `once`: a connection refused after its TLS handshake (a client certificate
      // required under TLS 1.3) emits `error` twice (the TLS alert, then the SASL request it
      // broke), and an `error` without a listener would crash the process
      connection.on('error', (error: Error) => {
        if (closed) return;
        const broker = `${event.broker.host}:${event.broker.port}`;
        lastErrors.set(broker, error);
        const mapped = noClientCertificate(
          kafkaError(error, `connect to ${broker}`, secrets, broker),
          tlsSettings(options).tlsCertFile !== undefined,
        );
        if (mapped.code !== 'unauthenticated' && mapped.code !== 'tls') return;
        log('error', 'connection', mapped.message);
        source.fail(mapped);
        sink.fail(mapped);
        refuseOpen?.(mapped);
        tracker.failed(mapped);
      });
    });
  };
  /** Rejects the `open()` under way (a permanent refusal seen on a connection). */
  let refuseOpen: ((error: EdgeplaneError) => void) | undefined;
  let onGroupEvent: OpenContext['onGroupEvent'];
  const groupEvent = (event: GroupEvent) => {
    if (closed) return;
    log(
      'info',
      'group',
      `${event.type} [${event.partitions.join(', ')}]${event.detail ? ` (${event.detail})` : ''}`,
    );
    try {
      onGroupEvent?.(event);
    } catch {
      // a listener never breaks the consumer
    }
  };
  const context = { options, tracker, secrets, log, watch, groupEvent };
  const source = new KafkaSource(context);
  const sink = new KafkaSink(context);
  const lag = new LagReader(options);
  return {
    name: 'kafka',
    capabilities: kafkaCapabilities(options.maxBodyBytes),
    options,
    /** `role: 'ingress'` joins the group (first fetch done); `'egress'` connects the producer. */
    async open(ctx?: OpenContext) {
      if (closed) throw closedError();
      tracker.listen(ctx?.onStateChange);
      if (ctx?.onGroupEvent) onGroupEvent = ctx.onGroupEvent;
      // the TLS files are read and checked before anything connects: a bad one fails at once
      await loadKafkaTls(options);
      const refused = new Promise<never>((_, reject) => {
        refuseOpen = reject;
      });
      refused.catch(() => {});
      try {
        // an abort of `ctx.signal` rejects within a moment with `cancelled`, closing what started
        if (ctx?.role === 'ingress') await Promise.race([source.start(ctx.signal), refused]);
        if (ctx?.role === 'egress') await Promise.race([sink.start(ctx.signal), refused]);
      } catch (error) {
        throw await plaintextToTlsPort(options, error);
      } finally {
        refuseOpen = undefined;
      }
      tracker.opened();
    },
    send: (batch, signal) => sink.send(batch, signal),
    receive: (receiveOptions) => receiveBatches(source, receiveOptions),
    lag: () => lag.read(),
    check: (checkContext) => checkKafka(options, checkContext, secrets),
    async close() {
      if (closed) return;
      closed = true;
      tracker.closed();
      await Promise.allSettled([source.close(), sink.close(), lag.close()]);
    },
  };
}
