import type { Consumer, DeclareConsumerParams } from 'rabbitmq-stream-js-client';
import type { Message } from 'rabbitmq-stream-js-client/dist/publisher.js';
import { streamClient } from './client.js';
import type { StartOffset } from './options.js';
import type { Session } from './session.js';
import { Signal } from './timing.js';

type Grant = (credits: number) => Promise<void>;

/**
 * Flow control: `prefetchChunks` credits at subscription (the broker sends that many chunks
 * ahead), then one credit back per chunk handled while the buffer has room, owed otherwise and
 * given back as batches are taken. The client's credit requests never settle on a dead socket:
 * they are not awaited.
 */
class Credits {
  private owed = 0;
  private grant: Grant | undefined;

  constructor(
    private readonly initial: number,
    private readonly hasRoom: () => boolean,
  ) {}

  onSubscription(): number {
    return this.initial;
  }

  async onChunkReceived(grant: Grant): Promise<void> {
    this.grant = grant;
  }

  async onChunkCompleted(grant: Grant): Promise<void> {
    this.grant = grant;
    this.owed++;
    this.release();
  }

  async requestCredits(grant: Grant, credits: number): Promise<void> {
    void grant(credits).catch(() => {});
  }

  /** Gives owed credits back if the buffer has room. */
  release(): void {
    if (this.owed === 0 || !this.grant || !this.hasRoom()) return;
    const credits = this.owed;
    this.owed = 0;
    void this.grant(credits).catch(() => {});
  }
}

/**
 * One consumer (subscription) on a session, from `start`, and the messages it delivered that
 * were not taken yet. The client hands messages over one by one from async handlers, and with
 * several chunks in flight those of two chunks decoded from one socket read interleave: they
 * are collected and put back in offset order once the read's handlers have run (setImmediate),
 * before anyone can take them. Messages before the expected offset (a chunk starts where it
 * starts) are dropped.
 */
export class Subscription {
  readonly changed: Signal = new Signal();
  private consumer: Consumer | undefined;
  private ready: Message[] = [];
  private head = 0;
  private incoming: Message[] = [];
  private scheduled = false;
  private readonly credits: Credits;
  /** The offset after the last message accepted (messages below it are dropped). */
  private next: bigint | undefined;
  /**
   * Where taking continues: `start`, then the offset after the last message taken. Offsets have
   * gaps (offset-tracking records take offsets too), so this is not the next message's offset.
   */
  private cursor: bigint | undefined;
  /** Messages taken so far. */
  taken = 0;
  /** Highest offset delivered (for lag), -1 before any. */
  highest = -1n;
  closed = false;

  constructor(
    readonly session: Session,
    readonly start: StartOffset,
    private readonly highWater: number,
    prefetchChunks: number,
  ) {
    this.next = typeof start === 'bigint' ? start : undefined;
    this.cursor = this.next;
    this.credits = new Credits(prefetchChunks, () => this.buffered < this.highWater);
  }

  get buffered(): number {
    return this.ready.length - this.head + this.incoming.length;
  }

  /** True when the session is gone: nothing more will arrive. */
  get dead(): boolean {
    return this.closed || this.session.lost;
  }

  /** Where taking continues (to resubscribe there), if known. */
  position(): bigint | undefined {
    return this.cursor ?? this.ready[this.head]?.offset;
  }

  /** True when taking from here continues at `start`. */
  isAt(start: StartOffset): boolean {
    if (typeof start === 'bigint') return this.cursor === start;
    return start === this.start && this.taken === 0;
  }

  async open(): Promise<void> {
    const { Offset } = streamClient();
    const offset =
      typeof this.start === 'bigint'
        ? Offset.offset(this.start)
        : this.start === 'first'
          ? Offset.first()
          : Offset.next();
    const policy = this.credits as unknown as DeclareConsumerParams['creditPolicy'];
    this.consumer = await this.session.subscribe(offset, policy, (m) => this.handle(m));
  }

  private handle(message: Message): void {
    if (this.closed) return;
    this.incoming.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const incoming = this.incoming;
    this.incoming = [];
    if (this.closed) return;
    let sorted = true;
    for (let i = 1; i < incoming.length && sorted; i++)
      sorted = (incoming[i - 1]?.offset ?? 0n) < (incoming[i]?.offset ?? 0n);
    if (!sorted) incoming.sort((a, b) => ((a.offset ?? 0n) < (b.offset ?? 0n) ? -1 : 1));
    for (const m of incoming) {
      const offset = m.offset ?? 0n;
      if (this.next !== undefined && offset < this.next) continue;
      this.ready.push(m);
      this.next = offset + 1n;
      if (offset > this.highest) this.highest = offset;
    }
    this.changed.fire();
  }

  /** Takes up to `max` messages in order. */
  take(max: number): Message[] {
    const end = Math.min(this.ready.length, this.head + max);
    const out = this.ready.slice(this.head, end);
    this.head = end;
    this.taken += out.length;
    const last = out[out.length - 1];
    if (last) this.cursor = (last.offset ?? 0n) + 1n;
    if (this.head >= 4096 && this.head * 2 >= this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    this.credits.release();
    return out;
  }

  /** Unsubscribes (bounded; never rejects) and drops what was not taken. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ready = [];
    this.head = 0;
    this.changed.fire();
    if (this.consumer) await this.session.unsubscribe(this.consumer);
  }
}
