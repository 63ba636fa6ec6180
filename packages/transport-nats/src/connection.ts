import type { ConnectionState, EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { type ConnectionOptions, connect, type NatsConnection } from 'nats';
import { diagnoseTls } from './diagnose.js';
import {
  COMPONENT,
  connectionDown,
  isPermanent,
  natsError,
  openCancelled,
  scrubUrls,
  serversText,
} from './errors.js';
import type { ResolvedNatsOptions } from './options.js';
import { loadSecurity, type Security } from './security.js';

type Listener = (state: ConnectionState, error?: EdgeplaneError) => void;

/**
 * One NATS connection and its state. The client reconnects by itself (with
 * `reconnectTimeWaitMs` and jitter, `maxReconnectAttempts` times); this class turns its status
 * events into `reconnecting` → `ready` (or `failed`) for `OpenContext.onStateChange`, and lets
 * acknowledgements wait for the connection to come back.
 */
export class Connection {
  state: ConnectionState = 'connecting';
  /**
   * Why the connection was given up (`failed`): the client stopped reconnecting, or the server
   * refused it for good (credentials, permissions). Sends return it, receive iterators throw it.
   */
  failure: EdgeplaneError | undefined;
  /** The last error the connection reported (the cause named while it is down). */
  lastError: EdgeplaneError | undefined;
  private waiters: (() => void)[] = [];
  private readonly failedHooks: (() => void)[] = [];
  private readonly stateHooks: ((state: ConnectionState) => void)[] = [];
  private listener: Listener | undefined;

  private constructor(
    readonly nc: NatsConnection,
    private readonly servers: string,
    private readonly security: Security,
    private readonly retryMs: number,
  ) {}

  /**
   * Connects (first attempt only; rejects `unavailable`, `unauthenticated`, ...). An abort of
   * `signal` rejects `cancelled` at once; the attempt, which nats.js cannot cancel, is dropped,
   * and a connection it still makes (before `connectTimeoutMs`) is closed at once.
   */
  static async open(
    options: ResolvedNatsOptions,
    listener?: Listener,
    signal?: AbortSignal,
  ): Promise<Connection> {
    const servers = serversText(options.servers);
    if (signal?.aborted) throw openCancelled();
    // TLS files, `.creds`, nkey seed: read and checked before dialling (a bad file: exit 2 now).
    const security = await loadSecurity(options);
    const first = options.servers[0];
    // TLS without a client certificate: a server that requires one (INFO `tls_verify`) would
    // refuse it only after the TLS 1.3 handshake, which nats.js reports as a timeout after
    // `connectTimeoutMs`. Its INFO says so at once (a plaintext read; nothing is sent).
    if (security.tls && !security.clientCertificate && first) {
      const timeoutMs = Math.min(2000, options.connectTimeoutMs);
      const found = await diagnoseTls(first, security, { timeoutMs, handshake: false }).catch(
        () => undefined,
      );
      if (found) throw found;
    }
    if (signal?.aborted) throw openCancelled();
    let nc: NatsConnection;
    const attempt = connect(clientOptions(options, security));
    let onAbort = (): void => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        void attempt.then((late) => late.close()).catch(() => undefined);
        reject(openCancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      nc = await Promise.race([attempt, aborted]);
    } catch (error) {
      if (signal?.aborted) throw openCancelled();
      const mapped = natsError(error, `cannot connect to ${servers}`, 'unavailable', servers);
      // Plaintext to a TLS server (nats.js upgrades by itself, then fails on the CA), or a
      // failure nats.js reports as a timeout (a client certificate refused after a TLS 1.3
      // handshake): ask the server what it requires.
      if (!security.tls || (mapped.code !== 'tls' && !isPermanent(mapped))) {
        const found = first ? await diagnoseTls(first, security).catch(() => undefined) : undefined;
        if (found) throw found;
      }
      throw mapped;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const connection = new Connection(
      nc,
      servers,
      security,
      Math.max(1000, options.reconnectTimeWaitMs),
    );
    connection.listener = listener;
    connection.setState('ready');
    void connection.watch();
    return connection;
  }

  /** Replaces the state listener (the one given to `open()` of the transport). */
  listen(listener: Listener | undefined): void {
    this.listener = listener;
  }

  private setState(state: ConnectionState, error?: EdgeplaneError): void {
    this.state = state;
    if (state === 'ready' || state === 'closed' || state === 'failed') {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
    for (const hook of this.stateHooks) hook(state);
    try {
      this.listener?.(state, error);
    } catch {
      // a listener never breaks the connection
    }
  }

  /**
   * Gives the connection up for good: a refusal no reconnect can cure (credentials, permissions).
   * Reports `failed` with it, wakes every waiter, and closes the client (no more reconnecting).
   */
  fail(error: EdgeplaneError): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.failure = error;
    this.lastError = error;
    this.setState('failed', error);
    for (const hook of this.failedHooks) hook();
    void this.nc.close().catch(() => undefined);
  }

  /** The `unavailable` error of `action` while the connection is not ready, naming the cause. */
  down(action: string): EdgeplaneError {
    return this.failure ?? connectionDown(action, this.state, this.lastError);
  }

  private async watch(): Promise<void> {
    const closed = this.nc.closed().then((error) => {
      if (this.state === 'closed' || this.state === 'failed') return; // closed by us
      // nats.js stops reconnecting by itself after the same auth refusal twice in a row
      // (one `reconnectTimeWaitMs` apart), with the server's error: permanent.
      const mapped = natsError(
        error ?? { code: 'CONNECTION_CLOSED' },
        `cannot reconnect to ${this.servers}`,
        'unavailable',
        this.servers,
      );
      this.fail(
        isPermanent(mapped)
          ? mapped
          : natsError(
              error ?? { code: 'CONNECTION_CLOSED' },
              `connection to ${this.servers} given up after \`maxReconnectAttempts\``,
              'unavailable',
              this.servers,
            ),
      );
    });
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        const where = scrubUrls(String(status.data ?? this.servers));
        this.lastError = natsError({ code: 'DISCONNECT' }, `connection to ${where}`);
        this.setState('reconnecting', this.lastError);
        if (this.security.tls) void this.diagnoseWhileDown(String(status.data ?? ''));
      } else if (status.type === 'reconnect') {
        this.setState('ready');
      } else if (status.type === 'staleConnection') {
        this.lastError = natsError(
          { code: 'DISCONNECT' },
          `${this.servers} stopped answering pings (stale connection)`,
        );
      } else if (status.type === 'error') {
        this.onServerError(status);
      }
    }
    await closed;
  }

  /**
   * An `-ERR` of the server. nats.js passes only its code, and for a permissions violation the
   * operation and subject it parsed from `Permissions Violation for Publish to "x"`: that text is
   * rebuilt from them. A permissions violation is permanent (the loop stops: every subject this
   * transport uses is one it needs); an auth refusal is kept as the cause, and the client gives
   * the connection up on the second one in a row (see `watch`).
   */
  private onServerError(status: { data?: unknown; permissionContext?: unknown }): void {
    const code = String(status.data);
    const ctx = status.permissionContext as
      | { operation?: string; subject?: string; queue?: string }
      | undefined;
    let words = code;
    if (ctx?.subject) {
      const op = ctx.operation === 'publish' ? 'Publish' : 'Subscription';
      const queue = ctx.queue ? ` using queue "${ctx.queue}"` : '';
      words = `Permissions Violation for ${op} to "${ctx.subject}"${queue}`;
    }
    const error = natsError(
      { code, message: words },
      `the server ${this.servers} refused`,
      undefined,
      this.servers,
    );
    this.lastError = error;
    if (error.code === 'permission-denied') this.fail(error);
    else this.listener?.(this.state, error);
  }

  /**
   * While reconnecting over TLS: nats.js retries a refused handshake forever and reports no
   * cause. Every `retryMs`, the server is asked (`diagnoseTls`); a TLS problem (a certificate
   * replaced by an expired or untrusted one, a client certificate now refused) fails the
   * connection for good (`failed`), so the run stops with exit 2 instead of retrying.
   */
  private async diagnoseWhileDown(server: string): Promise<void> {
    const url = server || this.servers.split(',')[0] || '';
    while (this.state === 'reconnecting') {
      await new Promise((resolve) => setTimeout(resolve, this.retryMs).unref());
      if (this.state !== 'reconnecting') return;
      const found = await diagnoseTls(url, this.security).catch(() => undefined);
      if (found && this.state === 'reconnecting') {
        this.fail(found);
        return;
      }
    }
  }

  /** Calls `hook` on every state change (the transport's own parts: PubAcks, keep-alives). */
  onState(hook: (state: ConnectionState) => void): void {
    this.stateHooks.push(hook);
  }

  /** Resolves true once `ready`, false if that takes longer than `ms` or the connection ends. */
  async readyWithin(ms: number): Promise<boolean> {
    if (this.state === 'ready') return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.ready(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls `hook` when the client gives the connection up. */
  onFailed(hook: () => void): void {
    this.failedHooks.push(hook);
  }

  /** Resolves when the connection is `ready` again, or closed/failed (then false). */
  async ready(): Promise<boolean> {
    if (this.state === 'ready') return true;
    if (this.state === 'closed' || this.state === 'failed') return false;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    return (this.state as ConnectionState) === 'ready';
  }

  /** Flushes what was published, then closes; never rejects. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (!this.nc.isClosed()) {
      await withTimeout(this.nc.flush(), 2000).catch(() => undefined);
      await this.nc.close().catch(() => undefined);
    }
    this.setState('closed');
  }
}

/** Resolves `p`, or rejects after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(natsError({ code: 'TIMEOUT' }, 'flush')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** nats.js connection options from ours. Credentials go to the client, never to messages. */
function clientOptions(o: ResolvedNatsOptions, security: Security): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: o.servers,
    name: o.name,
    timeout: o.connectTimeoutMs,
    reconnect: true,
    reconnectTimeWait: o.reconnectTimeWaitMs,
    reconnectJitter: Math.min(100, o.reconnectTimeWaitMs),
    maxReconnectAttempts: o.maxReconnectAttempts,
    waitOnFirstConnect: false,
    pingInterval: 10_000,
    maxPingOut: 3,
  };
  if (o.user !== undefined) options.user = o.user;
  if (o.password !== undefined) options.pass = o.password;
  if (o.token !== undefined) options.token = o.token;
  if (security.authenticator) options.authenticator = security.authenticator;
  // This connection's own TLS settings (CA, client certificate, verify): nothing process-wide.
  // (`tlsConnectOptions` gives strings; nats.js's type is narrower than Node's, its use is not.)
  if (security.tlsOptions) options.tls = { ...security.tlsOptions } as ConnectionOptions['tls'];
  return options;
}

export { COMPONENT };
