import type { ConnectionOptions } from 'node:tls';
import {
  type ConnectionState,
  type EdgeplaneError,
  loadTls,
  type OpenContext,
  plaintextToTlsPortError,
  probeTlsPort,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import { Redis, type RedisOptions } from 'ioredis';
import {
  COMPONENT,
  connectionClosed,
  connectionLost,
  type ErrorContext,
  isPermanentRefusal,
  redisError,
} from './errors.js';
import { type ResolvedRedisStreamsOptions, TLS_ENABLE_HINT, tlsEnabled } from './options.js';
import { answersPlaintextRedis, tlsToPlaintextPortError } from './plaintext-probe.js';

/** `host:port` of the URL: what messages name (never the URL, which may hold a password). */
export function serverOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '6379'}`;
}

/** The host of the URL as a socket address: an IPv6 literal without its brackets. */
export function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * ioredis options for one connection. ioredis reconnects by itself (our `retryStrategy`, forever);
 * the transport must not retry or buffer, so commands are never queued while the connection is
 * down (`enableOfflineQueue: false`) and never re-sent after a reconnect (`maxRetriesPerRequest:
 * 0`, `autoResendUnfulfilledCommands: false`): they fail at once, and the loop decides.
 * `tls`: the `tls.connect` options of this adapter (from `loadTls`), undefined for plaintext.
 */
export function clientOptions(
  options: ResolvedRedisStreamsOptions,
  tls?: ConnectionOptions,
): RedisOptions {
  const u = new URL(options.url);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  const cap = options.reconnectMaxDelayMs;
  return {
    host: hostOf(options.url),
    port: Number(u.port || 6379),
    db: Number.isSafeInteger(db) ? db : 0,
    username: options.username ?? (u.username ? decodeURIComponent(u.username) : undefined),
    password: options.password ?? (u.password ? decodeURIComponent(u.password) : undefined),
    // Per connection, never process-wide. Not `{ servername: host }`: an IP address as SNI is
    // what printed Node's DEP0123 on every rediss://127.0.0.1 run.
    tls: tls ? { ...tls } : undefined,
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
  /** The last error any connection reported (kept as the cause until they are all ready). */
  private lastCause: EdgeplaneError | undefined;
  private fatalError: EdgeplaneError | undefined;
  /** Aborted by `close()`. */
  readonly closing: AbortController = new AbortController();
  /**
   * Aborted by `close()` and by a permanent failure (`fail()`): waits for a connection end on it
   * (a client stopped in its reconnect backoff never emits `end`).
   */
  readonly halted: AbortController = new AbortController();

  /** The `tls.connect` options once `prepare()` read the TLS files; undefined for plaintext. */
  private tls: ConnectionOptions | undefined;
  private preparing: Promise<void> | undefined;

  constructor(private readonly options: ResolvedRedisStreamsOptions) {
    this.server = serverOf(options.url);
    this.cmd = new Redis(clientOptions(options));
    this.watch(this.cmd);
  }

  /**
   * Reads and checks the TLS files (`loadTls`) before anything connects, so a wrong file is a
   * `tls` error at once; then gives the TLS settings to the command connection (created, not yet
   * connected: `lazyConnect`) and to every dedicated one. Once per instance.
   */
  prepare(): Promise<void> {
    this.preparing ??= (async () => {
      const loaded = await loadTls(this.options, {
        component: COMPONENT,
        enabled: tlsEnabled(this.options),
        enableHint: TLS_ENABLE_HINT,
      });
      if (!loaded) return;
      this.tls = tlsConnectOptions(loaded, hostOf(this.options.url));
      // ioredis reads `options.tls` when it connects (ioredis 6, pinned; the TLS tests would
      // fail otherwise): the command connection was created before the files were read.
      this.cmd.options.tls = { ...this.tls };
    })().catch((error: unknown) => {
      this.preparing = undefined;
      throw error;
    });
    return this.preparing;
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /**
   * Set once a reconnect (or a command) was refused for good: `NOAUTH`, `WRONGPASS` (the password
   * changed on the server), `NOPERM` (the ACL changed), a TLS failure (code `tls`). Every send then returns `failed` with it,
   * receive iterators throw it, acks reject with it; it was reported as `failed`.
   */
  get fatal(): EdgeplaneError | undefined {
    return this.fatalError;
  }

  /**
   * Gives up for good after a permanent refusal: stops every connection reconnecting (retrying
   * with the same credentials cannot succeed) and reports `failed` with the server's own error.
   */
  fail(error: EdgeplaneError): void {
    if (this.fatalError || this.closed) return;
    this.fatalError = error;
    this.halted.abort();
    for (const client of this.watched.keys()) client.disconnect();
    this.set('failed', error);
  }

  /** Where state changes go (the loop's `onStateChange`). */
  listen(onStateChange: OpenContext['onStateChange']): void {
    this.notify = onStateChange;
  }

  /** A new dedicated connection (blocking reads), watched like the command connection. */
  dedicated(): Redis {
    const client = new Redis(clientOptions(this.options, this.tls));
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
    const timedOut = () =>
      Object.assign(
        new Error(`no answer within connectTimeoutMs (${this.options.connectTimeoutMs} ms)`),
        {
          code: 'ETIMEDOUT',
        },
      );
    let timer: NodeJS.Timeout | undefined;
    try {
      // The whole handshake is bounded, not only the TCP connect: a server that accepts the
      // connection and answers nothing (hung, SIGSTOPped) would otherwise hold open() forever.
      await Promise.race([
        (async () => {
          if (client.status === 'wait' || client.status === 'end') await client.connect();
          else if (!(await whenReady(client, AbortSignal.timeout(this.options.connectTimeoutMs))))
            throw failure ?? timedOut();
          // The handshake does not fail on a bad password with every server: ask once.
          await client.ping();
          if (client === this.cmd) await this.readBulkLimit();
        })(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(timedOut()), this.options.connectTimeoutMs);
        }),
      ]);
    } catch (error) {
      client.disconnect();
      const mapped = redisError(failure ?? error, context);
      throw (await this.plaintextToTls(mapped)) ?? mapped;
    } finally {
      clearTimeout(timer);
      client.off('error', onError);
    }
  }

  /**
   * After a plaintext connection failed without a Redis reply (reset, closed, timed out): when
   * the port answers a TLS handshake, the error that says to turn TLS on. Pinned by
   * apps/edgeplane/test/tls/redis.test.ts "plaintext spoken to the TLS port".
   */
  private async plaintextToTls(mapped: EdgeplaneError): Promise<EdgeplaneError | undefined> {
    if (mapped.details?.reply !== undefined) return undefined;
    if (this.tls) {
      // TLS to a plaintext port: Redis waits for a command line that never comes, so the
      // handshake times out (or is dropped); a plaintext PING tells that from a hung server.
      if (mapped.code !== 'timeout' && mapped.code !== 'unavailable') return undefined;
      const port = Number(new URL(this.options.url).port || 6379);
      if (!(await answersPlaintextRedis(hostOf(this.options.url), port))) return undefined;
      return tlsToPlaintextPortError(COMPONENT, this.server, mapped);
    }
    // A TLS server drops a plaintext client at once: reset or closed, never refused or silent (a
    // hung server is not probed: that would only add the probe's second to its timeout).
    const errno = mapped.details?.errno;
    const dropped =
      errno === undefined
        ? mapped.code === 'internal'
        : errno === 'ECONNRESET' || errno === 'EPIPE' || errno === 'ECONNABORTED';
    if (!dropped) return undefined;
    const port = Number(new URL(this.options.url).port || 6379);
    if (!(await probeTlsPort(hostOf(this.options.url), port))) return undefined;
    return plaintextToTlsPortError(COMPONENT, this.server, TLS_ENABLE_HINT, mapped);
  }

  /**
   * The server's `proto-max-bulk-len` (the largest field it accepts), when `CONFIG GET` may read
   * it; a larger field makes Redis answer a protocol error and close the connection, which fails
   * the whole batch. Read at connect and after each reconnect; undefined when not readable.
   */
  bulkLimit: number | undefined;

  private async readBulkLimit(): Promise<void> {
    try {
      const reply = await this.cmd.call('CONFIG', 'GET', 'proto-max-bulk-len');
      const value = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
      this.bulkLimit = Number.isSafeInteger(value) && value > 0 ? value : undefined;
    } catch {
      // CONFIG is often denied (ACL, managed Redis): the `maxBodyBytes` option alone applies.
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

  /**
   * The error to report for a command on a connection that is not ready: the permanent refusal if
   * there was one, else `unavailable` naming the last error the connection reported (its cause).
   */
  down(client: Redis, action: string): EdgeplaneError {
    if (this.fatalError) return this.fatalError;
    const last = this.lastError.get(client) ?? this.lastCause;
    return connectionLost({ action, server: this.server }, undefined, last);
  }

  /**
   * Maps an error of a command on `client`. ioredis rejects commands given while the connection
   * is down (or going down) with plain errors (no code): those are `unavailable`, like the
   * connection itself. Pinned by transport.test.ts "server restart".
   */
  error(client: Redis, error: unknown, action: string): EdgeplaneError {
    if (this.fatalError) return this.fatalError;
    const mapped = redisError(error, { action, server: this.server });
    // On a connection that is down, what the command says (a plain client error, "connection is
    // closed") matters less than why the connection is down: down() names that cause.
    if ((mapped.code === 'internal' || mapped.retryable) && !usable(client))
      return this.down(client, action);
    if (isPermanentRefusal(mapped) && this.state !== 'connecting') this.fail(mapped);
    return mapped;
  }

  /** Disconnects everything; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    this.halted.abort();
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
      const mapped = redisError(error, context);
      this.lastError.set(client, mapped);
      this.lastCause = mapped;
      // A reconnect refused for its credentials (the password changed on the server) or its TLS
      // (the server's certificate changed): no retry can cure it. Before `opened()`, open()
      // itself rejects with it.
      if (isPermanentRefusal(mapped) && this.state !== 'connecting') this.fail(mapped);
    };
    const onReconnecting = () => {
      if (this.closed || this.fatalError) return;
      // Kept (not cleared) until the connection is ready: it is the cause a send names.
      const error = this.lastError.get(client) ?? connectionClosed(this.server);
      this.set('reconnecting', error);
    };
    const onReady = () => {
      if (client === this.cmd) void this.readBulkLimit();
      this.lastError.delete(client);
      if (this.lastError.size === 0) this.lastCause = undefined;
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
    if (this.closed || this.state === 'connecting' || this.fatalError) return;
    const clients = [...this.watched.keys()].filter((c) => c.status !== 'wait');
    if (clients.every((c) => c.status === 'ready')) this.set('ready');
  }

  /** Reports a state change of the source itself (a recreated group), like a connection's. */
  report(state: ConnectionState, error?: EdgeplaneError): void {
    this.set(state, error);
  }

  /** Marks the end of `open()`: from now on, changes are reported. */
  opened(): void {
    if (this.fatalError) return;
    this.state = 'ready';
    this.update();
  }

  private set(state: ConnectionState, error?: EdgeplaneError): void {
    // Before `opened()`, `open()` itself reports (it rejects with the error); after close(), nothing.
    if (this.state === 'connecting' || this.closed) return;
    if (state === this.state && !error) return;
    if (this.state === 'failed') return; // failed is final
    this.state = state;
    try {
      this.notify?.(state, error);
    } catch {
      // a listener never breaks the transport
    }
  }
}
