import type { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { Committer } from './commit.js';
import { assertReachable, consumerConfig, subscribe } from './consumer.js';
import { kafkaError, roleConfigError } from './errors.js';
import { GroupMembership } from './group.js';
import { Inbox, sleep, within } from './inbox.js';
import { type ResolvedKafkaOptions, sourceTopics } from './options.js';
import type { PartitionState } from './partition.js';
import type { ConnectionTracker } from './state.js';

/** What the source shares with the rest of the transport. */
export interface SourceContext {
  readonly options: ResolvedKafkaOptions;
  readonly tracker: ConnectionTracker;
  readonly secrets: readonly string[];
  client(kind?: 'default' | 'consumer'): Promise<Kafka>;
}

/** Longest `close()` waits for kafkajs to leave the group and disconnect. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The consumer-group member. kafkajs fetches in the background and `eachBatch` hands each
 * partition's records to the inbox (fetching waits, heartbeating, while the inbox is full);
 * acknowledgements become explicit offset commits (`autoCommit: false`, see `Committer`), and
 * group membership is tracked so that only owned partitions are ever committed.
 */
export class KafkaSource {
  readonly inbox: Inbox = new Inbox();
  /** Aborts when `close()` starts: ends `receive()` iterations and backpressure waits. */
  readonly closing: AbortController = new AbortController();
  /** A failure kafkajs will not recover from; `receive()` throws it. */
  fatal: EdgeplaneError | undefined;
  private readonly group = new GroupMembership();
  private readonly committer: Committer;
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private fetched = false;

  constructor(private readonly ctx: SourceContext) {
    this.committer = new Committer({
      ...ctx,
      group: this.group,
      signal: this.closing.signal,
      consumer: () => this.consumer,
    });
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  get options(): ResolvedKafkaOptions {
    return this.ctx.options;
  }

  /** Starts the consumer (idempotent): connect, subscribe, join the group, first fetch. */
  start(): Promise<void> {
    this.starting ??= this.startConsumer().catch(async (error: unknown) => {
      const consumer = this.consumer;
      this.consumer = undefined;
      this.starting = undefined;
      await consumer?.disconnect().catch(() => {});
      throw error;
    });
    return this.starting;
  }

  private async startConsumer(): Promise<void> {
    const { options: o, secrets } = this.ctx;
    if (!o.groupId) {
      throw roleConfigError(
        'groupId',
        'a Kafka source needs `groupId`: the consumer group that keeps its committed offsets',
      );
    }
    await assertReachable(await this.ctx.client(), o, secrets);
    const kafka = await this.ctx.client('consumer');
    const consumer = kafka.consumer(consumerConfig(o, o.groupId, () => !this.closed));
    this.consumer = consumer;
    this.listen(consumer);
    const topics = sourceTopics(o);
    try {
      await consumer.connect();
      await subscribe(consumer, topics, o, this.closing.signal);
    } catch (error) {
      throw kafkaError(error, `subscribe to ${topics.join(', ')}`, secrets);
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    await this.untilFetched();
  }

  /** Waits for the first fetch after the group join: the start offsets are then resolved. */
  private async untilFetched(): Promise<void> {
    const o = this.ctx.options;
    const deadline = Date.now() + o.rebalanceTimeoutMs + o.sessionTimeoutMs + 10_000;
    while (!this.fetched) {
      if (this.fatal) throw this.fatal;
      if (this.closed) return;
      if (Date.now() > deadline) {
        const error = new Error(`group ${o.groupId} assigned no partitions in time`);
        throw kafkaError(Object.assign(error, { name: 'KafkaJSTimeout' }), 'join the group');
      }
      await this.group.changed(this.closing.signal, 100);
    }
  }

  private listen(consumer: Consumer): void {
    const { events } = consumer;
    const { tracker, secrets } = this.ctx;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.group.join(payload.memberId, payload.memberAssignment);
      this.inbox.dropStale();
      tracker.ok();
    });
    consumer.on(events.FETCH, () => {
      if (this.group.generation > 0 && !this.fetched) {
        this.fetched = true;
        this.group.wake();
      }
    });
    consumer.on(events.HEARTBEAT, () => tracker.ok());
    consumer.on(events.COMMIT_OFFSETS, () => {
      this.committer.confirmed++;
    });
    consumer.on(events.CRASH, ({ payload }) => {
      this.group.revokeAll();
      this.inbox.dropStale();
      if (this.closed) return;
      const topics = sourceTopics(this.ctx.options).join(', ');
      const error = kafkaError(payload.error, `consume ${topics}`, secrets);
      if (payload.restart) return tracker.lost(error);
      this.fatal = error;
      tracker.failed(error);
      this.inbox.wake();
      this.group.wake();
    });
  }

  /** kafkajs hands one partition's fetched records: into the inbox, offsets resolved. */
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, heartbeat, resolveOffset } = payload;
    if (this.closed || !isRunning() || isStale()) return;
    const state = this.group.state(batch.topic, batch.partition);
    const next = state.next;
    const fresh =
      next < 0 ? batch.messages : batch.messages.filter((m) => Number(m.offset) >= next);
    const last = fresh[fresh.length - 1];
    if (last) {
      this.inbox.push(state, fresh);
      state.next = Number(last.offset) + 1;
    }
    resolveOffset(batch.lastOffset());
    this.ctx.tracker.ok();
    // Backpressure: hold the fetch loop (heartbeating) while the loop has enough to do.
    const max = this.ctx.options.bufferMaxMessages;
    while (this.inbox.size >= max && !this.closed && isRunning() && !isStale()) {
      await this.inbox.changed(this.closing.signal, 1000);
      if (this.inbox.size >= max) await heartbeat();
    }
  }

  /** Commits what was acknowledged (see `Committer`). */
  commit(): Promise<void> {
    return this.committer.commit();
  }

  /**
   * Re-positions an owned partition at `offset` (nack, replay): its queued records are dropped,
   * acks taken before stop counting, and kafkajs fetches from there (after `delayMs`, paused).
   */
  rewind(state: PartitionState, epoch: number, offset: number, delayMs: number): void {
    const consumer = this.consumer;
    if (!state.owns(epoch) || !consumer) return;
    state.rewind(offset);
    this.inbox.dropStale();
    const tp = [{ topic: state.topic, partitions: [state.partition] }];
    try {
      if (delayMs > 0) {
        consumer.pause(tp);
        void sleep(delayMs, this.closing.signal).then(() => {
          if (!state.revoked) consumer.resume(tp);
        });
      }
      consumer.seek({ topic: state.topic, partition: state.partition, offset: String(offset) });
    } catch {
      // the consumer is restarting: that crash revoked the partition, which is refetched anyway
    }
  }

  /** `receive({ from })`: resumes right after `offset`; false if the partition is not ours. */
  seekAfter(topic: string, partition: number, offset: number): boolean {
    const state = this.group.find(topic, partition);
    if (!state) return false;
    this.rewind(state, state.epoch, offset + 1, 0);
    return true;
  }

  /** Stops fetching, commits what was acknowledged, leaves the group; never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    this.inbox.clear();
    this.group.wake();
    const consumer = this.consumer;
    const leave = async () => {
      await this.committer.flush();
      this.consumer = undefined;
      await consumer?.disconnect().catch(() => {});
    };
    await within(leave(), CLOSE_TIMEOUT_MS);
    this.consumer = undefined;
  }
}
