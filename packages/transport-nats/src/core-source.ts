import { randomBytes } from 'node:crypto';
import type {
  InboundBatch,
  InboundMessage,
  LagReading,
  ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import type { Subscription } from 'nats';
import type { Connection } from './connection.js';
import { badPosition, closedError, natsError } from './errors.js';
import { inbound, Queue } from './message.js';
import type { ResolvedNatsOptions } from './options.js';

/**
 * The core-NATS source: a subscription (in a queue group with `queue`) made at `open()`, whose
 * messages wait in memory until `receive()` takes them. At-most-once: what the server sends while
 * the process is down, or beyond `coreBufferMessages`, is gone. `nack()` puts the rest of a batch
 * back in front of the queue (in this process only).
 */
export class CoreSource {
  readonly queue: Queue<InboundMessage> = new Queue();
  readonly closing: AbortController = new AbortController();
  /** Messages dropped because the queue was full. */
  dropped = 0;
  private sub: Subscription | undefined;
  private seq = 0;
  private readonly prefix = `${randomBytes(4).toString('hex')}:`;

  constructor(
    readonly options: ResolvedNatsOptions,
    private readonly connection: Connection,
  ) {
    connection.onFailed(() => this.queue.wake());
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Subscribes (once), and confirms the subscription with a flush. */
  async open(): Promise<void> {
    if (this.sub) return;
    const { subject, queue, keyHeader, coreBufferMessages } = this.options;
    const id = `${subject}@${this.prefix}`;
    this.sub = this.connection.nc.subscribe(subject, {
      queue,
      callback: (error, m) => {
        if (error) return;
        if (this.queue.length >= coreBufferMessages) {
          this.dropped++;
          return;
        }
        const n = ++this.seq;
        this.queue.push(
          inbound(m, `${id}${n}`, undefined, keyHeader, `subject ${m.subject} message ${n}`),
        );
      },
    });
    try {
      await this.connection.nc.flush();
    } catch (error) {
      throw natsError(error, `cannot subscribe to ${subject}`);
    }
  }

  async *receive(options: ReceiveOptions): AsyncGenerator<InboundBatch> {
    const stop = AbortSignal.any([options.signal, this.closing.signal]);
    if (stop.aborted) return;
    if (options.from !== undefined)
      throw badPosition(options.from, 'cannot be replayed: core NATS keeps no messages');
    await this.open();
    const max = Math.max(
      1,
      Math.min(this.options.batchMaxMessages, options.maxBatchMessages ?? Infinity),
    );
    while (!stop.aborted) {
      if (this.connection.failure) throw this.connection.failure;
      if (this.queue.length === 0) {
        await this.queue.wait(stop);
        continue;
      }
      yield new CoreBatch(this.queue.take(max), this);
    }
  }

  /** Messages received and not yet taken by `receive()`. */
  lag(): Promise<LagReading> {
    return Promise.resolve({ lag: this.queue.length });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    this.queue.wake();
    this.sub?.unsubscribe();
    this.queue.clear();
  }
}

/** A core batch: acks only record progress; `nack()` requeues the unacknowledged rest. */
class CoreBatch implements InboundBatch {
  private acked = 0;

  constructor(
    readonly messages: readonly InboundMessage[],
    private readonly source: CoreSource,
  ) {}

  ack(count: number = this.messages.length): Promise<void> {
    if (this.source.closed) return Promise.reject(closedError());
    this.acked = Math.max(this.acked, Math.min(count, this.messages.length));
    return Promise.resolve();
  }

  nack(): Promise<void> {
    if (this.source.closed) return Promise.reject(closedError());
    const rest = this.messages.slice(this.acked);
    this.acked = this.messages.length;
    if (rest.length > 0) this.source.queue.unshift(rest);
    return Promise.resolve();
  }
}
