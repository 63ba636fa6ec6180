import { isEdgeplaneError, type LagReading } from '@edgeplane/adapter-loop/transport';
import { closedError, missingOption } from './errors.js';
import type { Link } from './link.js';
import type { ResolvedRabbitmqStreamsOptions, StartOffset } from './options.js';
import type { Session } from './session.js';
import { Subscription } from './subscription.js';
import type { TailProbe } from './tail-probe.js';
import { waitAny } from './timing.js';

const STREAM_DOES_NOT_EXIST = 0x02;

/**
 * The ingress side's shared state: the acknowledged (stored) offset, the current subscription,
 * and the durable offset store. `receive()` iterations (receive.ts) run on top of it; acks
 * work until `close()`, after an iteration ended too.
 */
export class Source {
  readonly closing: AbortController = new AbortController();
  /** The offset stored on the broker for `consumerName` (acknowledged), if any. */
  committed: bigint | undefined;
  /** The first offset a symbolic (`first` / `next`) start delivered: where a restart without ack goes. */
  origin: bigint | undefined;
  /** Bumped by each `receive()`: an older iteration ends when a newer one starts. */
  generation = 0;
  private sub: Subscription | undefined;
  private opening: Promise<void> | undefined;
  private target: bigint | undefined;
  private flushing: Promise<void> | undefined;
  private highest = -1n;
  private verifying = false;

  constructor(
    readonly link: Link,
    readonly options: ResolvedRabbitmqStreamsOptions,
    private readonly probe: TailProbe,
  ) {}

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  get consumerName(): string {
    const name = this.options.consumerName;
    if (name === undefined)
      throw missingOption(
        'consumerName',
        'an ingress stores its acknowledged offset on the broker under it',
      );
    return name;
  }

  /** Throws `invalid-config` when an ingress option is missing. */
  checkOptions(): void {
    this.consumerName;
  }

  /** Reads the stored offset (once; a failed attempt may be retried). */
  open(): Promise<void> {
    this.opening ??= this.load().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async load(): Promise<void> {
    const name = this.consumerName;
    if (!this.verifying) {
      this.verifying = true;
      this.link.addSetup((session) => this.verify(session));
    }
    await this.link.open();
    const session = await this.link.ready(
      'read the stored offset',
      this.options.requestTimeoutMs,
      this.closing.signal,
    );
    this.committed = await session.queryOffset(name);
    // `next` means "published after open()": subscribe now so nothing sent before the first
    // receive() is skipped.
    if (this.committed === undefined && this.options.offset === 'next')
      await this.subscription('next');
  }

  /**
   * On every reconnection: the offset this consumer stored must still be there. It lives in the
   * stream, so it is gone only if the stream was deleted (and created again since): resuming
   * would wait at an offset the new stream does not have yet, or read it as the old one.
   */
  private async verify(session: Session): Promise<void> {
    if (this.committed === undefined) return;
    const stored = await session.queryOffset(this.consumerName);
    if (stored === undefined)
      throw this.link.deleted(
        `the offset stored for \`consumerName\` ${JSON.stringify(this.consumerName)} is gone: the stream was deleted and created again`,
      );
  }

  /** Where a `receive()` without `from` starts: after the ack, else where the first one did. */
  defaultStart(): StartOffset {
    if (this.committed !== undefined) return this.committed + 1n;
    return this.origin ?? this.options.offset;
  }

  /** A live subscription positioned at `start` (the current one, or a new one). */
  async subscription(start: StartOffset, stop?: AbortSignal): Promise<Subscription | undefined> {
    const current = this.sub;
    if (current && !current.dead && current.isAt(start)) return current;
    this.sub = undefined;
    if (current) {
      if (current.highest > this.highest) this.highest = current.highest;
      await current.close();
    }
    for (let attempt = 0; ; attempt++) {
      if (this.closed || stop?.aborted) return undefined;
      const session = await this.link.ready('subscribe', 60_000, stop).catch((error: unknown) => {
        if (this.closed || stop?.aborted) return undefined;
        if ((error as { code?: string }).code === 'timeout') return null;
        throw error;
      });
      if (session === undefined) return undefined;
      if (session === null) continue;
      const { batchMaxMessages, prefetchChunks } = this.options;
      const sub = new Subscription(session, start, 2 * batchMaxMessages, prefetchChunks);
      try {
        await sub.open();
      } catch (error) {
        // Lost while subscribing: wait for the next session. Transient (a stream whose leader is
        // not back yet after a broker restart): report it and try again with backoff.
        if (session.lost) continue;
        if (isEdgeplaneError(error) && error.details?.responseCode === STREAM_DOES_NOT_EXIST) {
          this.link.fail(this.link.deleted('subscribing was refused: the stream does not exist'));
          throw this.link.fatal;
        }
        if (!isEdgeplaneError(error) || !error.retryable) throw error;
        this.link.report('reconnecting', error);
        const delay = Math.min(
          this.options.reconnectMaxDelayMs,
          this.options.reconnectMinDelayMs * 2 ** attempt,
        );
        await waitAny([this.link.changes], {
          abort: stop ?? this.closing.signal,
          timeoutMs: delay,
        });
        continue;
      }
      if (this.closed || stop?.aborted) {
        await sub.close();
        return undefined;
      }
      if (attempt > 0) this.link.report('ready');
      this.sub = sub;
      return sub;
    }
  }

  /** Records the first offset a symbolic start delivered. */
  delivered(offset: bigint): void {
    if (this.origin === undefined && this.committed === undefined) this.origin = offset;
  }

  /**
   * Acknowledges everything up to `offset`: stores it on the broker and resolves once a query
   * returns it (durable). Concurrent calls coalesce into one store of the highest offset; a
   * disconnection (before or during the store) is waited out for up to `ackTimeoutMs`.
   */
  async commit(offset: bigint): Promise<void> {
    if (this.closed) throw closedError();
    if (this.target === undefined || offset > this.target) this.target = offset;
    while (this.committed === undefined || this.committed < offset) {
      this.flushing ??= this.flush().finally(() => {
        this.flushing = undefined;
      });
      await this.flushing;
    }
  }

  private async flush(): Promise<void> {
    const want = this.target as bigint;
    const until = Date.now() + this.options.ackTimeoutMs;
    for (;;) {
      const left = Math.max(1, until - Date.now());
      const session = await this.link.ready('store the offset', left, this.closing.signal);
      try {
        await session.storeOffset(this.consumerName, want);
        break;
      } catch (error) {
        // The connection went away under the store: wait for the next one (the loop does not
        // retry acks, and an ack that fails only because of a reconnection would cost a batch of
        // duplicates after a restart).
        const code = (error as { code?: string }).code;
        if (this.closed || code !== 'unavailable' || Date.now() >= until) throw error;
        await waitAny([this.link.changes], { abort: this.closing.signal, timeoutMs: 200 });
      }
    }
    if (this.committed === undefined || want > this.committed) this.committed = want;
  }

  /**
   * Messages between the stored offset and the end of the stream. The last offset comes from
   * `TailProbe` (the last chunk, read from the broker) or what this consumer saw, whichever is
   * higher; `null` when neither is known.
   */
  async lag(): Promise<LagReading> {
    const seen = this.sub && this.sub.highest > this.highest ? this.sub.highest : this.highest;
    const tail = await this.probe.lastOffset();
    if (tail === undefined && seen < 0n) return { lag: null };
    const last = tail !== undefined && tail > seen ? tail : seen;
    const start = this.defaultStart();
    const base = typeof start === 'bigint' ? start - 1n : start === 'first' ? -1n : last;
    return { lag: Number(last > base ? last - base : 0n) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    const sub = this.sub;
    this.sub = undefined;
    await sub?.close();
    await this.probe.close();
  }
}
