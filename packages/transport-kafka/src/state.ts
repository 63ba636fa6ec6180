import type {
  ConnectionState,
  EdgeplaneError,
  OpenContext,
} from '@edgeplane/adapter-loop/transport';

type Listener = NonNullable<OpenContext['onStateChange']>;

/**
 * The transport's connection state as the loop sees it (`OpenContext.onStateChange`). The client
 * reconnects by itself; this only surfaces what it does: `reconnecting` (with the error) when a
 * broker connection is lost or refused, or a fetch, heartbeat or rejoin failed, `ready` again once
 * the brokers answer. Nothing is
 * reported before `open()` succeeded: until then, failures reject `open()` itself.
 */
export class ConnectionTracker {
  private state: ConnectionState = 'connecting';
  private readonly listeners = new Set<Listener>();
  /** Reconnections seen (tests and the debug hook read it). */
  reconnections = 0;

  get current(): ConnectionState {
    return this.state;
  }

  /** Adds an `onStateChange` listener (one per `open()` with a context). */
  listen(listener: Listener | undefined): void {
    if (listener) this.listeners.add(listener);
  }

  /** `open()` succeeded. */
  opened(): void {
    if (this.state === 'connecting') this.state = 'ready';
  }

  /** The brokers answered (heartbeat, group join, fetched data, a produce ack). */
  ok(): void {
    if (this.state !== 'reconnecting') return;
    this.set('ready');
  }

  /**
   * A connection was lost or an operation failed for a transient reason. While reconnecting,
   * every further failure (a refused reconnect) is reported too, with its error: the cause.
   */
  lost(error?: EdgeplaneError): void {
    if (this.state === 'reconnecting' && error) {
      // the same failure repeated within a second (one per connection attempt) is reported once
      const now = Date.now();
      if (error.message === this.lastReported && now - this.lastReportedAt < 1000) return;
      this.set('reconnecting', error);
      return;
    }
    if (this.state !== 'ready') return;
    this.reconnections++;
    this.set('reconnecting', error);
  }

  /** A failure that will not pass. */
  failed(error: EdgeplaneError): void {
    if (this.state !== 'ready' && this.state !== 'reconnecting') return;
    this.set('failed', error);
  }

  closed(): void {
    this.state = 'closed';
    this.listeners.clear();
  }

  private lastReported: string | undefined;
  private lastReportedAt = 0;

  private set(state: ConnectionState, error?: EdgeplaneError): void {
    this.state = state;
    this.lastReported = error?.message;
    this.lastReportedAt = Date.now();
    for (const listener of this.listeners) {
      try {
        listener(state, error);
      } catch {
        // a listener never breaks the client
      }
    }
  }
}
