import {
  type ConnectionState,
  type EdgeplaneError,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';
import { closedError, connectionLost, streamError, timedOut } from './errors.js';
import type { ResolvedRabbitmqStreamsOptions } from './options.js';
import { Session, type SessionEvents } from './session.js';
import { Signal, sleep, waitAny } from './timing.js';
import type { ConnectionTarget } from './url.js';

/** Runs on every new session before it is ready (declares the publisher, for an egress). */
export type SessionSetup = (session: Session) => Promise<void>;

/**
 * The connection with reconnection: one `Session` at a time. `open()` makes the first one (one
 * attempt: an unreachable broker fails `open`). When a session is lost, the state becomes
 * `reconnecting` and new sessions are attempted with exponential backoff and full jitter,
 * `reconnectMinDelayMs` up to `reconnectMaxDelayMs`, until one works (`ready`) or `close()`.
 * Every failed attempt is reported through `onStateChange('reconnecting', error)`.
 */
export class Link {
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
  private reconnecting = false;
  private nextAttemptAt = 0;
  private readonly changed = new Signal();
  private readonly setups: SessionSetup[] = [];
  readonly closing: AbortController = new AbortController();
  onStateChange: ((state: ConnectionState, error?: EdgeplaneError) => void) | undefined;

  constructor(
    readonly options: ResolvedRabbitmqStreamsOptions,
    readonly target: ConnectionTarget,
    private readonly events: Omit<SessionEvents, 'lost'>,
  ) {}

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** The ready session, if there is one. */
  current(): Session | undefined {
    return this.session && !this.session.lost ? this.session : undefined;
  }

  /** Adds a step run on every later session before it counts as ready. */
  addSetup(setup: SessionSetup): void {
    this.setups.push(setup);
  }

  /**
   * The first connection (cached: later calls resolve with that first session even once it is
   * lost; use `current()` / `ready()` for the live one). A failed attempt may be retried.
   */
  open(): Promise<Session> {
    if (this.closed) return Promise.reject(closedError());
    this.opening ??= this.attempt().then(
      (session) => this.adopt(session),
      (error: unknown) => {
        this.opening = undefined;
        throw error;
      },
    );
    return this.opening;
  }

  /** Waits (up to `timeoutMs`) for a ready session, opening the first one if needed. */
  async ready(action: string, timeoutMs: number, signal?: AbortSignal): Promise<Session> {
    if (!this.opening) await this.open();
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) throw closedError();
      const session = this.current();
      if (session) return session;
      if (signal?.aborted) throw connectionLost(action, this.target.where);
      const left = until - Date.now();
      if (left <= 0)
        throw timedOut(
          action,
          this.target.where,
          timeoutMs,
          'the broker did not come back in time',
        );
      await waitAny([this.changed], { abort: signal, timeoutMs: Math.min(left, 1000) });
    }
  }

  /** Fires on every state change (new session, loss, close). */
  get changes(): Signal {
    return this.changed;
  }

  /** Reports a state change that is not the connection's own (a stream not available yet). */
  report(state: ConnectionState, error?: EdgeplaneError): void {
    this.onStateChange?.(state, error);
  }

  /** ms until the next reconnection attempt (a `retryAfterMs` hint), 0 when connected. */
  retryAfterMs(): number {
    if (this.current()) return 0;
    return Math.max(this.options.reconnectMinDelayMs, this.nextAttemptAt - Date.now());
  }

  private async attempt(): Promise<Session> {
    const session = await Session.connect(this.options, this.target, {
      ...this.events,
      lost: (s, error) => this.lost(s, error),
    });
    try {
      for (const setup of this.setups) await setup(session);
    } catch (error) {
      session.destroy();
      throw error;
    }
    if (this.closed) {
      await session.close();
      throw closedError();
    }
    if (session.lost) throw connectionLost('set up the connection', this.target.where);
    return session;
  }

  private adopt(session: Session): Session {
    this.session = session;
    this.changed.fire();
    return session;
  }

  private lost(session: Session, error: Error): void {
    if (session !== this.session || this.closed) return;
    this.session = undefined;
    this.changed.fire();
    this.onStateChange?.(
      'reconnecting',
      streamError(error, 'keep the connection', this.target.where),
    );
    if (!this.reconnecting) void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    this.reconnecting = true;
    const { reconnectMinDelayMs: min, reconnectMaxDelayMs: max } = this.options;
    try {
      for (let attempt = 0; !this.closed; attempt++) {
        const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
        const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
        this.nextAttemptAt = Date.now() + delay;
        await sleep(delay, this.closing.signal, true);
        if (this.closed) return;
        try {
          this.adopt(await this.attempt());
          this.onStateChange?.('ready');
          return;
        } catch (error) {
          if (this.closed) return;
          const mapped = isEdgeplaneError(error)
            ? error
            : streamError(error, 'reconnect', this.target.where);
          this.onStateChange?.('reconnecting', mapped);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Closes the current session (bounded) and stops reconnecting. Never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    this.changed.fire();
    const session = this.session ?? (await this.opening?.catch(() => undefined));
    this.session = undefined;
    await session?.close();
  }
}
