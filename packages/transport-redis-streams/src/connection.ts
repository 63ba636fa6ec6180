import type {
  ConnectionState,
  EdgeplaneError,
  OpenContext,
} from '@edgeplane/adapter-loop/transport';
import { Redis, type RedisOptions } from 'ioredis';
import { connectionClosed, connectionLost, type ErrorContext, redisError } from './errors.js';
import type { ResolvedRedisStreamsOptions } from './options.js';

/** `host:port` of the URL: what messages name (never the URL, which may hold a password). */
export function serverOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '6379'}`;
}

/**
 * ioredis options for one connection. ioredis reconnects by itself (our `retryStrategy`, forever);
 * the transport must not retry or buffer, so commands are never queued while the connection is
 * down (`enableOfflineQueue: false`) and never re-sent after a reconnect (`maxRetriesPerRequest:
 * 0`, `autoResendUnfulfilledCommands: false`): they fail at once, and the loop decides.
 */
export function clientOptions(options: ResolvedRedisStreamsOptions): RedisOptions {
  const u = new URL(options.url);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  const cap = options.reconnectMaxDelayMs;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(u.port || 6379),
    db: Number.isSafeInteger(db) ? db : 0,
    username: options.username ?? (u.username ? decodeURIComponent(u.username) : undefined),
    password: options.password ?? (u.password ? decodeURIComponent(u.password) : undefined),
    tls: u.protocol === 'rediss:' ? { servername: u.hostname } : undefined,
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    disableClientInfo: true,
    connectTimeout: options.connectTimeoutMs,
    retryStrategy: (times: number) =>
      Math.min(cap, 50 * 2 ** Math.min(times - 1, 20)) + Math.floor(Math.random() * 50),
  };
}

/**
 * True when a command given to `client` now goes out: `ready` and its socket writable. Right after
 * the server closes the connection, ioredis still says `ready` for a moment while the socket is
 * no longer writable, and rejects commands with a plain error (no code).
 */
export function usable(client: Redis): boolean {
  return (
    client.status === 'ready' &&
    (client.stream as { writable?: boolean } | undefined)?.writable === true
  );
}

/** Resolves when `client` is usable, or `false` once `signal` aborts or the client has ended. */
export function whenReady(client: Redis, signal: AbortSignal): Promise<boolean> {
  if (usable(client)) return Promise.resolve(true);
  if (signal.aborted || client.status === 'end') return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      client.off('ready', onReady);
      client.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onReady = () => done(true);
    const onEnd = () => done(false);
    const onAbort = () => done(false);
    client.on('ready', onReady);
    client.on('end', onEnd);
    signal.addEventListener('abort', onAbort);
  });
}

/**
 * The connections of one transport instance and their aggregate state. Every connection is
 * watched: when one goes away the state becomes `reconnecting` (reported with the error, so the
 * snapshot counts it in `recent_failures`), and when all are back it is `ready` again.
 */
export class Connections {
  readonly server: string;
  /** The command connection: XADD, XACK, XAUTOCLAIM, XINFO, XGROUP, XRANGE. */
  readonly cmd: Redis;
  private readonly watched = new Map<Redis, () => void>();
  private state: ConnectionState = 'connecting';
  private notify: OpenContext['onStateChange'];
  private lastError = new Map<Redis, EdgeplaneError>();
  /** Aborted by `close()`. */
  readonly closing: AbortController = new AbortController();

  constructor(private readonly options: ResolvedRedisStreamsOptions) {
    this.server = serverOf(options.url);
    this.cmd = new Redis(clientOptions(options));
    this.watch(this.cmd);
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Where state changes go (the loop's `onStateChange`). */
  listen(onStateChange: OpenContext['onStateChange']): void {
    this.notify = onStateChange;
  }

  /** A new dedicated connection (blocking reads), watched like the command connection. */
  dedicated(): Redis {
    const client = new Redis(clientOptions(this.options));
    this.watch(client);
    return client;
  }

  /**
   * Connects `client` (once), or throws the mapped error of the failed attempt: `unavailable`
   * when nothing answers, `unauthenticated` on bad credentials. A failed client is disconnected
   * so it does not go on reconnecting in the background.
   */
  async connect(client: Redis, action = 'connect'): Promise<void> {
    if (client.status === 'ready') return;
    const context: ErrorContext = { action, server: this.server, joiner: 'to' };
    let failure: unknown;
    const onError = (error: unknown) => {
      failure ??= error;
    };
    client.on('error', onError);
    try {
      if (client.status === 'wait' || client.status === 'end') await client.connect();
      else if (!(await whenReady(client, AbortSignal.timeout(this.options.connectTimeoutMs))))
        throw failure ?? new Error('connect timed out');
      // The handshake does not fail on a bad password with every server: ask once.
      await client.ping();
    } catch (error) {
      client.disconnect();
      throw redisError(failure ?? error, context);
    } finally {
      client.off('error', onError);
    }
  }

  /** Stops watching `client` and disconnects it at once (its in-flight replies are dropped). */
  drop(client: Redis): void {
    this.watched.get(client)?.();
    this.watched.delete(client);
    this.lastError.delete(client);
    client.disconnect();
    this.update();
  }

  /** The error to report for a command on a connection that is not ready. */
  down(client: Redis, action: string): EdgeplaneError {
    return this.lastError.get(client) ?? connectionLost({ action, server: this.server }, undefined);
  }

  /**
   * Maps an error of a command on `client`. ioredis rejects commands given while the connection
   * is down (or going down) with plain errors (no code): those are `unavailable`, like the
   * connection itself. Pinned by transport.test.ts "server restart".
   */
  error(client: Redis, error: unknown, action: string): EdgeplaneError {
    const mapped = redisError(error, { action, server: this.server });
    if (mapped.code === 'internal' && !usable(client)) return this.down(client, action);
    return mapped;
  }

  /** Disconnects everything; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    const clients = [...this.watched.keys()];
    for (const off of this.watched.values()) off();
    this.watched.clear();
    // QUIT waits for replies already on their way (acks); disconnect does not.
    await Promise.allSettled(
      clients.map((c) =>
        c.status === 'ready'
          ? Promise.race([c.quit(), new Promise((r) => setTimeout(r, 500).unref())]).finally(() =>
              c.disconnect(),
            )
          : c.disconnect(),
      ),
    );
    // No `closed` report: the loop marks the adapter closed itself, and keeps a `failed` state.
  }

  private watch(client: Redis): void {
    const context: ErrorContext = { action: 'reconnect', server: this.server, joiner: 'to' };
    const onError = (error: unknown) => {
      this.lastError.set(client, redisError(error, context));
    };
    const onReconnecting = () => {
      if (this.closed) return;
      const error = this.lastError.get(client) ?? connectionClosed(this.server);
      this.lastError.delete(client);
      this.set('reconnecting', error);
    };
    const onReady = () => {
      this.lastError.delete(client);
      this.update();
    };
    client.on('error', onError);
    client.on('reconnecting', onReconnecting);
    client.on('ready', onReady);
    this.watched.set(client, () => {
      client.off('error', onError);
      client.off('reconnecting', onReconnecting);
      client.off('ready', onReady);
      // ioredis logs unhandled 'error' events: keep one quiet listener after unwatching.
      client.on('error', () => {});
    });
  }

  /** Recomputes the aggregate state: `ready` once every watched connection is. */
  private update(): void {
    if (this.closed || this.state === 'connecting') return;
    const clients = [...this.watched.keys()].filter((c) => c.status !== 'wait');
    if (clients.every((c) => c.status === 'ready')) this.set('ready');
  }

  /** Marks the end of `open()`: from now on, changes are reported. */
  opened(): void {
    this.state = 'ready';
    this.update();
  }

  private set(state: ConnectionState, error?: EdgeplaneError): void {
    // Before `opened()`, `open()` itself reports (it rejects with the error); after close(), nothing.
    if (this.state === 'connecting' || this.closed) return;
    if (state === this.state && !error) return;
    this.state = state;
    try {
      this.notify?.(state, error);
    } catch {
      // a listener never breaks the transport
    }
  }
}
