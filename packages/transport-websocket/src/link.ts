import type { ConnectionState, EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import type WebSocket from 'ws';
import { type DialSettings, dial, explainFirstFailure, keepAlive, serverOf } from './dial.js';
import { closedByPeer } from './errors.js';

/** Backoff start, in ms: 50, 100, 200… up to `reconnectMaxDelayMs`, with ±25 % jitter. */
const FIRST_DELAY_MS = 50;

/**
 * One dialled connection that stays up: the first dial in `open()`, then, whenever it drops, a
 * redial with backoff (`reconnecting` → `ready`), until `close()` or a permanent refusal
 * (`failed`: 401, 403, 404, a protocol mismatch, TLS).
 */
export class Link {
  readonly server: string;
  ws: WebSocket | undefined;
  /** The last connection error (kept for the text of `retryable` results while down). */
  last: EdgeplaneError | undefined;
  /** Set once a redial was refused for good. */
  failure: EdgeplaneError | undefined;
  closed = false;
  private waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: DialSettings & {
      readonly pingIntervalMs: number;
      readonly reconnectMaxDelayMs: number;
    },
    /** Called with each new socket, before anything is sent on it. */
    private readonly attach: (ws: WebSocket) => void,
    private readonly onState: (state: ConnectionState, error?: EdgeplaneError) => void,
  ) {
    this.server = serverOf(settings.url);
  }

  /**
   * The first connection. With `tolerateDown` (the egress), a retryable failure (nothing
   * listening yet, a reset) is reported as `reconnecting` and redialled in the background, so
   * that an egress may start before its ingress; a permanent one always throws.
   * @throws EdgeplaneError as `dial` documents (a TLS mismatch explained).
   */
  async open(signal?: AbortSignal, tolerateDown = false): Promise<void> {
    if (this.ws) return;
    try {
      await dial(this.settings, signal, (ws) => this.adopt(ws));
    } catch (error) {
      const e = await explainFirstFailure(error as EdgeplaneError, this.settings.url);
      if (!tolerateDown || !e.retryable || signal?.aborted) throw e;
      this.last = e;
      this.onState('reconnecting', e);
      this.redial(FIRST_DELAY_MS);
    }
  }

  private adopt(ws: WebSocket): void {
    if (this.closed) {
      ws.terminate();
      return;
    }
    this.ws = ws;
    this.last = undefined;
    ws.on('error', () => {}); // the close that follows reports it
    this.attach(ws);
    keepAlive(ws, this.settings.pingIntervalMs);
    ws.once('close', (code) => {
      if (this.ws === ws) this.ws = undefined;
      if (this.closed) return;
      this.last = closedByPeer(code, { server: this.server });
      this.onState('reconnecting', this.last);
      this.redial(FIRST_DELAY_MS);
    });
    this.onState('ready');
    for (const wake of this.waiters.splice(0)) wake();
  }

  private redial(delay: number): void {
    if (this.closed) return;
    const jittered = delay * (0.75 + Math.random() * 0.5);
    this.timer = setTimeout(async () => {
      try {
        await dial(this.settings, undefined, (ws) => this.adopt(ws));
      } catch (error) {
        const e = error as EdgeplaneError;
        this.last = e;
        if (!e.retryable) {
          this.failure = e;
          this.onState('failed', e);
          for (const wake of this.waiters.splice(0)) wake();
          return;
        }
        this.onState('reconnecting', e);
        this.redial(Math.min(delay * 2, this.settings.reconnectMaxDelayMs));
      }
    }, jittered);
    this.timer.unref?.();
  }

  /** The socket once connected, waiting up to `ms` (or the signal); undefined if still down. */
  async ready(ms: number, signal?: AbortSignal): Promise<WebSocket | undefined> {
    if (this.ws || this.closed || this.failure) return this.ws;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
    return this.ws;
  }

  /** Stops redialling and closes the socket (1000), terminating it if the peer does not answer. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const wake of this.waiters.splice(0)) wake();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    ws.close(1000, 'closing');
    setTimeout(() => ws.terminate(), 1000).unref();
  }
}
