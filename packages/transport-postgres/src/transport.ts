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
import { checkPostgres } from './check.js';
import { Connections } from './connection.js';
import { closedError, openCancelled } from './errors.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  definePostgresTransport,
  type PostgresTransportOptions,
  type ResolvedPostgresOptions,
} from './options.js';
import { PostgresSink } from './send.js';
import { PostgresSource, readLag, receiveBatches } from './source.js';
import { ensureTable } from './table.js';

/** The PostgreSQL transport: a `Transport` with both roles. */
export interface PostgresTransport extends Transport {
  readonly options: ResolvedPostgresOptions;
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult>;
  receive(options: ReceiveOptions): AsyncIterable<InboundBatch>;
  /** Rows after the checkpoint (`mode=single`) or rows pending (`mode=shared`), or null. */
  lag(): Promise<LagReading>;
  check(context: CheckContext): Promise<readonly TransportCheck[]>;
}

/**
 * What the transport promises in `mode=single`: total order by `orderBy`, replay from any
 * position. `mode=shared` splits the rows between readers (ordering `none`) and deletes or marks
 * them (no replay): see `postgresCapabilities()`.
 */
export const postgresSingleCapabilities: TransportCapabilities = Object.freeze({
  source: true,
  sink: true,
  ordering: 'total',
  redelivery: true,
  replay: true,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
});

/** The capabilities for the given options. */
export function postgresCapabilities(options: ResolvedPostgresOptions): TransportCapabilities {
  return Object.freeze({
    ...postgresSingleCapabilities,
    maxBodyBytes: options.maxBodyBytes,
    ...(options.mode === 'shared' ? { ordering: 'none' as const, replay: false } : {}),
  });
}

const definition = definePostgresTransport((options) => buildPostgresTransport(options));

/**
 * The descriptor, for the CLI and dynamic loading (`ingress.transport=postgres`).
 * `create()` validates like `parseOptions()`, so bad options are `invalid-config` there too.
 */
export const postgresTransport: TransportDescriptor<ResolvedPostgresOptions> = {
  ...definition,
  create: (options) => createPostgresTransport(options),
};

/**
 * Creates a PostgreSQL transport; the options are validated now (`invalid-config` naming the
 * option). Nothing connects before `open()` (or a first `send()`).
 * @example
 * const ingress = createPostgresTransport({ url: 'postgres://app@127.0.0.1/app', table: 'outbox', notifyChannel: 'outbox' });
 * const egress = createPostgresTransport({ table: 'events', createTable: true });
 * await ingress.open({ role: 'ingress', stateDir: '.lane/ingress' });
 * await egress.open({ role: 'egress' });
 */
export function createPostgresTransport(options: PostgresTransportOptions): PostgresTransport {
  return buildPostgresTransport(definition.parseOptions(options));
}

function buildPostgresTransport(options: ResolvedPostgresOptions): PostgresTransport {
  const connections = new Connections(options);
  const source = new PostgresSource(options, connections);
  const sink = new PostgresSink(options, connections);
  let opening: Promise<void> | undefined;
  let sinkReady: Promise<void> | undefined;
  const openOnce = async (context?: OpenContext) => {
    await connections.prepare();
    try {
      if (context?.role === 'ingress') await source.open();
      else {
        sinkReady ??= ensureTable(connections);
        await sinkReady;
      }
    } catch (error) {
      sinkReady = undefined;
      throw connections.failure(error, `open table ${JSON.stringify(options.table)}`);
    }
    connections.ok();
  };
  return {
    name: 'postgres',
    capabilities: postgresCapabilities(options),
    options,
    /**
     * Connects and checks the table (`not-found` naming `table` and `createTable=true`, or
     * creates it), `unavailable` when nothing answers, `unauthenticated` on bad credentials, `tls`
     * on a certificate problem. As an ingress it also reads the checkpoint and starts `LISTEN`.
     */
    async open(context?: OpenContext) {
      if (connections.closed) throw closedError();
      if (connections.fatal) throw connections.fatal;
      const signal = context?.signal;
      if (signal?.aborted) throw openCancelled();
      if (context?.onStateChange) connections.listen(context.onStateChange);
      source.stateDir ??= context?.stateDir;
      let onAbort = (): void => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(openCancelled());
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      aborted.catch(() => {});
      try {
        opening ??= openOnce(context).catch((error: unknown) => {
          opening = undefined;
          throw error;
        });
        await Promise.race([opening, aborted]);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
    async send(batch, signal) {
      if (!opening && !connections.closed) {
        try {
          await this.open();
        } catch {
          // the send reports the failure below (retryable or failed, mapped)
        }
      }
      return sink.send(batch, signal);
    },
    receive: (receiveOptions) => receiveBatches(source, receiveOptions),
    lag: async () => ({ lag: await readLag(source), unit: 'rows' }),
    async close() {
      if (connections.closed) return;
      await source.close();
      await connections.close();
    },
    /** Doctor's checks, on a connection of their own (src/check.ts); reads only. */
    check: (context) => checkPostgres(options, context),
  };
}
