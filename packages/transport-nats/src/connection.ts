import { readFileSync } from 'node:fs';
import type { ConnectionState, EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { type ConnectionOptions, connect, credsAuthenticator, type NatsConnection } from 'nats';
import { COMPONENT, natsError, scrubUrls, serversText } from './errors.js';
import type { ResolvedNatsOptions } from './options.js';

type Listener = (state: ConnectionState, error?: EdgeplaneError) => void;

/**
 * One NATS connection and its state. The client reconnects by itself (with
 * `reconnectTimeWaitMs` and jitter, `maxReconnectAttempts` times); this class turns its status
 * events into `reconnecting` → `ready` (or `failed`) for `OpenContext.onStateChange`, and lets
 * acknowledgements wait for the connection to come back.
 */
export class Connection {
  state: ConnectionState = 'connecting';
  /** Why the connection was given up (`failed`): the client stopped reconnecting. */
  failure: EdgeplaneError | undefined;
  private waiters: (() => void)[] = [];
  private readonly failedHooks: (() => void)[] = [];
  private readonly stateHooks: ((state: ConnectionState) => void)[] = [];
  private listener: Listener | undefined;

  private constructor(
    readonly nc: NatsConnection,
    private readonly servers: string,
  ) {}

  /** Connects (first attempt only; rejects `unavailable`, `unauthenticated`, ...). */
  static async open(options: ResolvedNatsOptions, listener?: Listener): Promise<Connection> {
    const servers = serversText(options.servers);
    let nc: NatsConnection;
    try {
      nc = await connect(clientOptions(options));
    } catch (error) {
      throw natsError(error, `cannot connect to ${servers}`, 'unavailable');
    }
    const connection = new Connection(nc, servers);
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

  private async watch(): Promise<void> {
    const closed = this.nc.closed().then((error) => {
      if (this.state === 'closed') return; // closed by us
      this.failure = natsError(
        error ?? { code: 'CONNECTION_CLOSED' },
        `connection to ${this.servers} given up after \`maxReconnectAttempts\``,
        'unavailable',
      );
      this.setState('failed', this.failure);
      for (const hook of this.failedHooks) hook();
    });
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect') {
        const where = scrubUrls(String(status.data ?? this.servers));
        this.setState(
          'reconnecting',
          natsError({ code: 'DISCONNECT' }, `disconnected from ${where}, reconnecting`),
        );
      } else if (status.type === 'reconnect') {
        this.setState('ready');
      } else if (status.type === 'error') {
        this.listener?.(this.state, natsError(status.data, `connection error on ${this.servers}`));
      }
    }
    await closed;
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
function clientOptions(o: ResolvedNatsOptions): ConnectionOptions {
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
  if (o.credsFile !== undefined) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(o.credsFile);
    } catch (error) {
      throw natsError(error, `cannot read \`credsFile\` ${o.credsFile}`, 'invalid-config');
    }
    options.authenticator = credsAuthenticator(creds);
  }
  if (o.tls || o.tlsCaFile !== undefined) {
    options.tls = o.tlsCaFile === undefined ? {} : { caFile: o.tlsCaFile };
  }
  return options;
}

export { COMPONENT };
