import {
  type ConnectionState,
  type EdgeplaneError,
  isEdgeplaneError,
} from '@edgeplane/adapter-loop/transport';
import {
  closedError,
  connectionDown,
  isPermanent,
  openCancelled,
  streamDeleted,
  streamError,
  timedOut,
} from './errors.js';
import type { ResolvedRabbitmqStreamsOptions } from './options.js';
import { Session, type SessionEvents } from './session.js';
import { Signal, sleep, waitAny } from './timing.js';
import { plaintextToTlsPort, type StreamTls, tlsToPlaintextPort } from './tls.js';
import type { ConnectionTarget } from './url.js';

const STREAM_DOES_NOT_EXIST = 0x02;

/** Runs on every new session before it is ready (declares the publisher, for an egress). */
export type SessionSetup = (session: Session) => Promise<void>;

/**
 * The connection with reconnection: one `Session` at a time. `open()` makes the first one (one
 * attempt: an unreachable broker fails `open`). When a session is lost, the state becomes
 * `reconnecting` and new sessions are attempted with exponential backoff and full jitter,
 * `reconnectMinDelayMs` up to `reconnectMaxDelayMs`, until one works (`ready`) or `close()`.
 * Every failed attempt is reported through `onStateChange('reconnecting', error)`; an attempt
 * refused for good (credentials, permissions, the stream deleted: `isPermanent`) stops the
 * reconnection and is reported as `failed` (`fatal`): sends, receives and acks fail with it.
 */
export class Link {
  private session: Session | undefined;
  private opening: Promise<Session> | undefined;
  private reconnecting = false;
  private abandoned = false;
  private nextAttemptAt = 0;
  private fatalError: EdgeplaneError | undefined;
  /** The last connection error (the loss, or a failed reconnect), until a session is ready. */
  private lastError: EdgeplaneError | undefined;
  /** The role the transport was opened in (names what a deleted stream interrupted). */
  role: 'ingress' | 'egress' | undefined;
  /** The last acknowledged offset of the ingress, if any (named when the stream is deleted). */
  acknowledged: () => bigint | undefined = () => undefined;
  private readonly changed = new Signal();
  private readonly setups: SessionSetup[] = [];
  readonly closing: AbortController = new AbortController();
  onStateChange: ((state: ConnectionState, error?: EdgeplaneError) => void) | undefined;

  constructor(
    readonly options: ResolvedRabbitmqStreamsOptions,
    readonly target: ConnectionTarget,
    private readonly tls: StreamTls,
    private readonly events: Omit<SessionEvents, 'lost'>,
  ) {}

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** The permanent error that stopped the link, if any (reported as `failed`). */
  get fatal(): EdgeplaneError | undefined {
    return this.fatalError;
  }

  /**
   * Gives up for good: no more reconnection, the session dropped, `failed` reported with
   * `error`. Every later send, receive and ack fails with it.
   */
  fail(error: EdgeplaneError): void {
    if (this.fatalError || this.closed) return;
    this.fatalError = error;
    const session = this.session;
    this.session = undefined;
    session?.destroy();
    this.changed.fire();
    this.onStateChange?.('failed', error);
  }

  /** The error for `action` while there is no session: the fatal one, or `unavailable` with the cause. */
  down(action: string): EdgeplaneError {
    return this.fatalError ?? connectionDown(action, this.target.where, this.lastError);
  }

  /** A stream that disappeared while the lane used it (`how`: what showed it). */
  deleted(how: string): EdgeplaneError {
    return streamDeleted(
      this.options.stream,
      this.target.where,
      this.role,
      this.acknowledged(),
      how,
    );
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
  open(signal?: AbortSignal): Promise<Session> {
    if (this.closed) return Promise.reject(closedError());
    if (this.fatalError) return Promise.reject(this.fatalError);
    this.abandoned = false;
    this.opening ??= this.attempt(true, signal).then(
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
    if (!this.opening) {
      if (this.abandoned) throw openCancelled();
      await this.open();
    }
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.closed) throw closedError();
      if (this.fatalError) throw this.fatalError;
      const session = this.current();
      if (session) return session;
      if (signal?.aborted) throw this.down(action);
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

  /**
   * One connection attempt. `first`: the one of `open()` (may create the stream). On a later
   * one, a stream that does not exist any more was deleted mid-run: permanent (`deleted`).
   */
  private async attempt(first: boolean, signal?: AbortSignal): Promise<Session> {
    // The TLS files are read and checked before the first connection: a bad one fails at once.
    if (first) await this.tls.load();
    try {
      const session = await Session.connect(
        this.options,
        this.target,
        { ...this.events, lost: (s, error) => this.lost(s, error) },
        { create: first, signal, ssl: this.tls.ssl() },
      );
      try {
        for (const setup of this.setups) await setup(session);
        if (signal?.aborted) throw openCancelled();
      } catch (error) {
        session.destroy();
        throw error;
      }
      if (this.closed) {
        await session.close();
        throw closedError();
      }
      if (session.lost) throw this.down('set up the connection');
      return session;
    } catch (error) {
      const mapped = streamError(error, first ? 'connect' : 'reconnect', this.target.where);
      if (!first && mapped.details?.responseCode === STREAM_DOES_NOT_EXIST)
        throw this.deleted('it no longer exists after a reconnection');
      // A first handshake that failed: plaintext spoken to a TLS port, or TLS to a plaintext
      // one? Either is a permanent `tls` error (exit 2) saying which option to change.
      if (first && mapped.retryable && mapped.details?.errno !== 'ECONNREFUSED' && !signal?.aborted)
        throw (
          (await (this.tls.enabled
            ? tlsToPlaintextPort(this.target, mapped)
            : plaintextToTlsPort(this.target, mapped))) ?? mapped
        );
      throw mapped;
    }
  }

  private adopt(session: Session): Session {
    this.session = session;
    this.changed.fire();
    return session;
  }

  private lost(session: Session, error: Error): void {
    if (session !== this.session || this.closed) return;
    this.session = undefined;
    this.lastError = streamError(error, 'keep the connection', this.target.where);
    this.changed.fire();
    if (this.fatalError) return;
    this.onStateChange?.('reconnecting', this.lastError);
    if (!this.reconnecting) void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    this.reconnecting = true;
    const { reconnectMinDelayMs: min, reconnectMaxDelayMs: max } = this.options;
    try {
      for (let attempt = 0; !this.closed && !this.fatalError; attempt++) {
        const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
        const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
        this.nextAttemptAt = Date.now() + delay;
        await sleep(delay, this.closing.signal, true);
        if (this.closed || this.fatalError) return;
        try {
          this.adopt(await this.attempt(false));
          this.lastError = undefined;
          this.onStateChange?.('ready');
          return;
        } catch (error) {
          if (this.closed || this.fatalError) return;
          const mapped = isEdgeplaneError(error)
            ? error
            : streamError(error, 'reconnect', this.target.where);
          // Retrying with the same credentials and options cannot succeed: stop here.
          if (isPermanent(mapped)) return this.fail(mapped);
          this.lastError = mapped;
          this.onStateChange?.('reconnecting', mapped);
        }
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /**
   * Drops the first connection (an `open()` whose signal aborted): the session made so far, if
   * any, is destroyed; a later `open()` starts again.
   */
  abandonOpen(): void {
    const opening = this.opening;
    this.opening = undefined;
    this.abandoned = true;
    void opening?.then(
      (session) => {
        if (this.session === session) this.session = undefined;
        session.destroy();
      },
      () => {},
    );
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
