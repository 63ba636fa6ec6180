import type { Socket } from 'node:net';
import type { Client, Consumer, DeclareConsumerParams, Offset } from 'rabbitmq-stream-js-client';
import {
  connectionErrorOf,
  destroyClient,
  locatorConnection,
  publisherConnection,
  type RawConnection,
  streamClient,
} from './client.js';
import { StreamProtocolError, trackSockets } from './compat.js';
import { connectionLost, openCancelled, responseCodeOf, streamError, timedOut } from './errors.js';
import type { ResolvedRabbitmqStreamsOptions } from './options.js';
import { deadline, Signal, sleep } from './timing.js';
import type { TlsForHost } from './tls.js';
import type { ConnectionTarget } from './url.js';

/** Callbacks from a session's client: connection loss, publish confirms and errors. */
export interface SessionEvents {
  lost(session: Session, error: Error): void;
  confirm(publisherId: number, connectionId: string, ids: readonly bigint[]): void;
  publishError(publisherId: number, connectionId: string, id: bigint, code: number): void;
}

/** A publisher declared on a session: where its frames go and the last id the broker has. */
export interface PublisherHandle {
  readonly session: Session;
  readonly publisherId: number;
  readonly connection: RawConnection;
  /** Last publishing id the broker stored for the reference (0 without one). */
  readonly lastId: bigint;
}

const NO_OFFSET = 0x13;
const STREAM_DOES_NOT_EXIST = 0x02;
const CLOSE_GRACE_MS = 2000;

/**
 * One connected client (locator connection plus the publisher's and consumers' connections).
 * Any of them closing makes the whole session lost: `Link` replaces it. Every request is raced
 * against that loss and a timeout, because the client's requests never settle on a dead socket.
 */
export class Session {
  lost = false;
  private reason: Error | undefined;
  private closing = false;
  private client: Client | undefined;
  private readonly lostSignal = new Signal();

  private constructor(
    readonly options: ResolvedRabbitmqStreamsOptions,
    readonly target: ConnectionTarget,
    private readonly events: SessionEvents,
  ) {}

  /**
   * Connects, checks the stream (creating it if `create` and `createStream`; not at all with
   * `verifyStream: false`, for doctor's checks). Rejects with the mapped error; an abort of
   * `signal` destroys the sockets opened so far and rejects with `cancelled` at once. `ssl`: TLS
   * on (from `StreamTls.ssl()`).
   */
  static async connect(
    options: ResolvedRabbitmqStreamsOptions,
    target: ConnectionTarget,
    events: SessionEvents,
    {
      create,
      signal,
      ssl,
      verifyStream = true,
    }: {
      create: boolean;
      signal?: AbortSignal | undefined;
      ssl?: TlsForHost | undefined;
      verifyStream?: boolean;
    },
  ): Promise<Session> {
    if (signal?.aborted) throw openCancelled();
    const session = new Session(options, target, events);
    const sockets = new Set<Socket>();
    const onAbort = () => {
      for (const socket of sockets) socket.destroy();
      session.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await session.start(sockets, verifyStream ? create : undefined, ssl);
    } catch (error) {
      throw signal?.aborted ? openCancelled() : error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) {
      session.destroy();
      throw openCancelled();
    }
    return session;
  }

  /** `create` undefined: the stream is not looked at. */
  private async start(
    sockets: Set<Socket>,
    create: boolean | undefined,
    ssl: TlsForHost | undefined,
  ): Promise<void> {
    const { options, target, events } = this;
    const { hostname, port, username, password, vhost, where } = target;
    const connecting = trackSockets(sockets, () =>
      streamClient().connect({
        hostname,
        port,
        username,
        password,
        vhost,
        socketTimeout: options.connectTimeoutMs,
        connectionName: 'edgeplane',
        // Per connection, for the host it dials: see `patchTlsSocket` in compat.ts.
        ...(ssl ? { ssl: ssl as unknown as boolean } : {}),
        ...(options.loadBalancer
          ? { addressResolver: { enabled: true, endpoint: { host: hostname, port } } }
          : {}),
        listeners: {
          connection_closed: () => this.markLost(),
          metadata_update: (update) => {
            if (update.metadataInfo.stream === options.stream)
              this.markLost(
                new StreamProtocolError('stream metadata changed', update.metadataInfo.code),
              );
          },
          publish_confirm: (c, connectionId) =>
            events.confirm(c.publisherId, connectionId, c.publishingIds),
          publish_error: (e, connectionId) =>
            events.publishError(
              e.publisherId,
              connectionId,
              e.publishingError.publishingId,
              e.publishingError.code,
            ),
        },
      }),
    );
    try {
      if (this.closing) throw new Error('cancelled');
      this.client = await deadline(connecting, options.connectTimeoutMs + 1000, () =>
        timedOut('connect', where, options.connectTimeoutMs),
      );
    } catch (error) {
      void connecting.then(destroyClient, () => {});
      throw streamError(error, 'connect', where);
    }
    if (this.closing) {
      destroyClient(this.client);
      throw new Error('cancelled');
    }
    if (create === undefined) return;
    try {
      await this.ensureStream(create);
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  /** The broker's `version` peer property (RabbitMQ's release, e.g. `3.10.8`). */
  get serverVersion(): string {
    return this.live().rabbitManagementVersion;
  }

  /** The negotiated frame size limit, in bytes. */
  get frameMax(): number {
    return this.live().maxFrameSize;
  }

  /** Runs a client request, racing it against loss of the session and `timeoutMs`. */
  request<T>(
    action: string,
    run: (client: Client) => Promise<T>,
    timeoutMs: number = this.options.requestTimeoutMs,
  ): Promise<T> {
    const where = this.target.where;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        off();
        clearTimeout(timer);
        settle();
      };
      const failed = () => reject(connectionLost(action, where, this.lostError()));
      const off = this.lostSignal.listen(() => finish(failed));
      const timer = setTimeout(() => {
        const error = timedOut(action, where, timeoutMs);
        finish(() => reject(error));
        // No answer in time: the connection is suspect (half-open?); replace it.
        this.markLost(error);
      }, timeoutMs);
      timer.unref();
      if (this.lost || this.closing || !this.client) return finish(failed);
      try {
        run(this.client).then(
          (value) => finish(() => resolve(value)),
          (error: unknown) => finish(() => reject(streamError(error, action, where))),
        );
      } catch (error) {
        finish(() => reject(streamError(error, action, where)));
      }
    });
  }

  private async ensureStream(create: boolean): Promise<void> {
    const { stream, streamMaxLengthBytes, streamMaxAge } = this.options;
    const createStream = create && this.options.createStream;
    const [meta] = await this.request('query the stream', (c) =>
      c.queryMetadata({ streams: [stream] }),
    );
    if (meta?.responseCode !== STREAM_DOES_NOT_EXIST) return;
    if (!createStream)
      throw streamError(
        new StreamProtocolError('stream does not exist', STREAM_DOES_NOT_EXIST),
        `open stream "${stream}"`,
        this.target.where,
      );
    const args: Record<string, string | number> = {};
    if (streamMaxLengthBytes !== undefined) args['max-length-bytes'] = streamMaxLengthBytes;
    if (streamMaxAge !== undefined) args['max-age'] = streamMaxAge;
    await this.request(`create stream "${stream}"`, (c) =>
      c.createStream({ stream, arguments: args }),
    );
  }

  /** Declares the publisher (with its reference, if any) and reads the last stored id. */
  async declarePublisher(publisherRef: string | undefined): Promise<PublisherHandle> {
    const { stream } = this.options;
    const publisher = await this.request('declare the publisher', (c) =>
      c.declarePublisher({ stream, publisherRef, connectionClosedListener: () => this.markLost() }),
    );
    const lastId = publisherRef
      ? await this.request('query the last publishing id', () => publisher.getLastPublishingId())
      : 0n;
    return {
      session: this,
      publisherId: publisher.publisherId,
      connection: publisherConnection(publisher),
      lastId,
    };
  }

  /** Subscribes a consumer at `offset`; its connection closing makes the session lost. */
  subscribe(
    offset: Offset,
    creditPolicy: DeclareConsumerParams['creditPolicy'],
    handle: Parameters<Client['declareConsumer']>[1],
  ): Promise<Consumer> {
    const { stream } = this.options;
    return this.request('subscribe', (c) =>
      c.declareConsumer(
        { stream, offset, creditPolicy, connectionClosedListener: () => this.markLost() },
        handle,
      ),
    );
  }

  /** Unsubscribes and releases the consumer's connection; never rejects. */
  async unsubscribe(consumer: Consumer): Promise<void> {
    if (this.lost) return;
    await this.request(
      'unsubscribe',
      (c) => c.closeConsumer(consumer.extendedId),
      CLOSE_GRACE_MS,
    ).catch(() => {});
  }

  /** The offset stored for `reference`, or `undefined` if there is none. */
  async queryOffset(reference: string): Promise<bigint | undefined> {
    const { stream } = this.options;
    try {
      return await this.request('query the stored offset', (c) =>
        c.queryOffset({ reference, stream }),
      );
    } catch (error) {
      if (responseCodeOf(error) === NO_OFFSET) return undefined;
      throw error;
    }
  }

  /**
   * Stores `offset` for `reference` and resolves once the broker answers a query with it (or a
   * later one): StoreOffset itself has no response, the query on the same connection proves it.
   */
  async storeOffset(reference: string, offset: bigint): Promise<void> {
    const { stream, requestTimeoutMs } = this.options;
    await this.request('store the offset', (c) =>
      locatorConnection(c).storeOffset({ stream, reference, offsetValue: offset }),
    );
    const until = Date.now() + requestTimeoutMs;
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      const stored = await this.queryOffset(reference);
      if (stored !== undefined && stored >= offset) return;
      if (Date.now() > until)
        throw timedOut(`confirm the stored offset ${offset}`, this.target.where, requestTimeoutMs);
      await sleep(wait);
    }
  }

  /** Marks the session lost (once) and tells `Link`; the client is torn down. */
  markLost(reason?: Error): void {
    if (this.lost || this.closing) return;
    this.lost = true;
    const error = reason ?? this.lostError() ?? new Error('the broker closed the connection');
    this.reason = error;
    this.lostSignal.fire();
    if (this.client) destroyClient(this.client);
    this.events.lost(this, error);
  }

  private lostError(): Error | undefined {
    return this.reason ?? (this.client ? connectionErrorOf(this.client) : undefined);
  }

  private live(): Client {
    if (!this.client || this.lost) throw connectionLost('use the connection', this.target.where);
    return this.client;
  }

  /** Closes the client gracefully (bounded), then destroys whatever is left. Never rejects. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.lostSignal.fire();
    const client = this.client;
    if (!client) return;
    if (!this.lost)
      await deadline(client.close(), CLOSE_GRACE_MS, () => new Error('close timed out')).catch(
        () => {},
      );
    destroyClient(client);
  }

  /** Drops the client at once (no close handshake). */
  destroy(): void {
    this.closing = true;
    this.lostSignal.fire();
    if (this.client) destroyClient(this.client);
  }
}
