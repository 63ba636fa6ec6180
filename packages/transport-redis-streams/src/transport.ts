import {
  type CheckContext,
  EdgeplaneError,
  type InboundBatch,
  type LagReading,
  type OpenContext,
  type OutboundMessage,
  type ReceiveOptions,
  type SendResult,
  sendFailed,
  sendRetryable,
  type Transport,
  type TransportCapabilities,
  type TransportCheck,
  type TransportDescriptor,
} from '@edgeplane/adapter-loop/transport';
import { checkRedisStreams } from './check.js';
import { Connections } from './connection.js';
import { COMPONENT, closedError, openCancelled } from './errors.js';
import { FieldMapping } from './fields.js';
import { readLag } from './lag.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  defineRedisStreamsTransport,
  type RedisStreamsTransportOptions,
  type ResolvedRedisStreamsOptions,
} from './options.js';
import { receiveBatches } from './receive.js';
import { RedisSink } from './send.js';
import { RedisSource } from './source.js';

/** The Redis Streams transport: a `Transport` with both roles, plus what only it has. */
export interface RedisStreamsTransport extends Transport {
  readonly options: ResolvedRedisStreamsOptions;
  /** The consumer name in the group (known after `open()` as a source, or the first `receive()`). */
  readonly consumer: string | undefined;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Entries not yet delivered to the group (`XINFO GROUPS` `lag`), or null. */
  lag(): Promise<LagReading>;
  check(context: CheckContext): Promise<readonly TransportCheck[]>;
}

/**
 * What the transport promises, whatever the options. Ordering is total for one consumer: several
 * consumers of a group split the stream between them, and entries reclaimed from a dead consumer
 * arrive after newer ones (docs/transports/redis-streams.md, "Limits and gotchas").
 */
export const redisStreamsCapabilities: TransportCapabilities = Object.freeze({
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: true,
  replay: true,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
  // The `maxBodyBytes` option (default: Redis's default `proto-max-bulk-len`, 512 MiB).
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
});

const definition = defineRedisStreamsTransport((options) => buildRedisStreamsTransport(options));

/**
 * The descriptor, for the CLI and dynamic loading (`ingress.transport=redis-streams`).
 * `create()` validates like `parseOptions()`, so bad options are `invalid-config` there too.
 */
export const redisStreamsTransport: TransportDescriptor<ResolvedRedisStreamsOptions> = {
  ...definition,
  create: (options) => createRedisStreamsTransport(options),
};

/**
 * Creates a Redis Streams transport; the options are validated now (`invalid-config` naming the
 * option). Nothing connects before `open()`.
 * @example
 * const ingress = createRedisStreamsTransport({ url: 'redis://127.0.0.1:6379', stream: 'orders', group: 'billing' });
 * const egress = createRedisStreamsTransport({ stream: 'orders-out', maxLen: 1_000_000 });
 * await ingress.open({ role: 'ingress', stateDir: '.lane/ingress' });
 * await egress.open({ role: 'egress' });
 */
export function createRedisStreamsTransport(
  options: RedisStreamsTransportOptions,
): RedisStreamsTransport {
  return buildRedisStreamsTransport(definition.parseOptions(options));
}

function buildRedisStreamsTransport(options: ResolvedRedisStreamsOptions): RedisStreamsTransport {
  const connections = new Connections(options);
  const fields = new FieldMapping(options);
  const source = new RedisSource(options, connections);
  const sink = new RedisSink(options, connections, fields);
  let opening: Promise<void> | undefined;
  return {
    name: 'redis-streams',
    capabilities:
      options.maxBodyBytes === DEFAULT_MAX_BODY_BYTES
        ? redisStreamsCapabilities
        : Object.freeze({ ...redisStreamsCapabilities, maxBodyBytes: options.maxBodyBytes }),
    options,
    get consumer() {
      return source.consumer;
    },
    /**
     * Connects (`unavailable` when nothing answers, `unauthenticated` on bad credentials). As an
     * ingress it also resolves the consumer name and creates (or checks) the group.
     */
    async open(context?: OpenContext) {
      if (connections.closed) throw closedError();
      if (connections.fatal) throw connections.fatal;
      const signal = context?.signal;
      if (signal?.aborted) throw openCancelled();
      if (context?.onStateChange) connections.listen(context.onStateChange);
      source.stateDir ??= context?.stateDir;
      source.onGroupEvent ??= context?.onGroupEvent;
      // Aborting the signal drops the attempt (connect() then rejects) and open() at once.
      let onAbort = (): void => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          connections.cmd.disconnect();
          reject(openCancelled());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => {});
      try {
        // The TLS files are read and checked first: a wrong one fails open() before any connect.
        opening ??= (async () => {
          await connections.prepare();
          await connections.connect(connections.cmd);
        })().catch((error: unknown) => {
          opening = undefined;
          throw error;
        });
        await Promise.race([opening, aborted]);
        if (context?.role === 'ingress') await Promise.race([source.open(), aborted]);
      } catch (error) {
        throw signal?.aborted ? openCancelled() : error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      connections.opened();
    },
    async send(batch, signal) {
      if (!opening && !connections.closed) {
        // Opened lazily by a first send (library use without open()).
        try {
          await this.open();
        } catch (error) {
          const e = EdgeplaneError.from(error, COMPONENT, 'unavailable');
          return e.retryable ? sendRetryable(e) : sendFailed(e);
        }
      }
      return sink.send(batch, signal);
    },
    receive: (receiveOptions) => receiveBatches(source, fields, receiveOptions),
    lag: () => readLag(connections, options),
    close: () => connections.close(),
    /** Doctor's checks, on a connection of their own (src/check.ts); reads only. */
    check: (context) => checkRedisStreams(options, context),
  };
}
