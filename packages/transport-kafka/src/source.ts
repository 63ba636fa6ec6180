import type { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { retryPolicy } from './client.js';
import { isMembershipError, kafkaError, roleConfigError } from './errors.js';
import { Inbox, sleep, within } from './inbox.js';
import type { ResolvedKafkaOptions } from './options.js';
import { sourceTopics } from './options.js';
import { PartitionState, partitionKey } from './partition.js';
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
 * acknowledgements become explicit offset commits (`autoCommit: false`). Membership changes
 * (rebalances, consumer restarts) are tracked to keep commits to owned partitions only.
 */
export class KafkaSource {
  readonly inbox: Inbox = new Inbox();
  /** Aborts when `close()` starts: ends `receive()` iterations and backpressure waits. */
  readonly closing: AbortController = new AbortController();
  /** A failure kafkajs will not recover from; `receive()` throws it. */
  fatal: EdgeplaneError | undefined;
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private parts = new Map<string, PartitionState>();
  private memberId: string | undefined;
  /** Bumped on every group join and consumer crash. */
  private membership = 0;
  private commitsSeen = 0;
  private fetched = false;
  private commitChain: Promise<void> = Promise.resolve();
  private readonly changes = new Inbox();

  constructor(private readonly ctx: SourceContext) {}

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
    const o = this.ctx.options;
    if (!o.groupId) {
      throw roleConfigError(
        'groupId',
        'a Kafka source needs `groupId`: the consumer group that keeps its committed offsets',
      );
    }
    await this.reachable();
    const kafka = await this.ctx.client('consumer');
    const consumer = kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      rebalanceTimeout: o.rebalanceTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      maxWaitTimeInMs: o.maxWaitTimeMs,
      maxBytesPerPartition: o.maxBytesPerPartition,
      retry: {
        ...retryPolicy(o, Math.max(o.retries, o.reconnectRetries)),
        restartOnFailure: async () => !this.closed,
      },
    });
    this.consumer = consumer;
    this.listen(consumer);
    const topics = sourceTopics(o);
    try {
      await consumer.connect();
      await this.subscribe(consumer, topics);
    } catch (error) {
      throw kafkaError(error, `subscribe to ${topics.join(', ')}`, this.ctx.secrets);
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    await this.untilFetched();
  }

  /**
   * Fails fast (after `retries`, not `reconnectRetries`) when no broker answers: the consumer's
   * own client keeps trying much longer, which suits a running member, not `open()`.
   */
  private async reachable(): Promise<void> {
    const admin = (await this.ctx.client()).admin();
    try {
      await admin.connect();
    } catch (error) {
      throw kafkaError(error, `reach the brokers ${this.ctx.options.brokers.join(',')}`, this.ctx.secrets);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /**
   * Subscribes. A topic the brokers are still creating (auto-creation on the metadata request
   * answers UNKNOWN_TOPIC_OR_PARTITION until it exists) is asked for again, with backoff, up to
   * `retries` times: kafkajs retries only LEADER_NOT_AVAILABLE there.
   */
  private async subscribe(consumer: Consumer, topics: string[]): Promise<void> {
    const o = this.ctx.options;
    for (let attempt = 0; ; attempt++) {
      try {
        return await consumer.subscribe({ topics, fromBeginning: o.fromBeginning });
      } catch (error) {
        const type = (error as { type?: unknown }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' || attempt >= o.retries) throw error;
        await sleep(Math.min(o.retryMaxMs, o.retryInitialMs * 2 ** attempt), this.closing.signal);
        if (this.closed) throw error;
      }
    }
  }

  /** Waits for the first fetch after the group join: offsets are then resolved. */
  private async untilFetched(): Promise<void> {
    const o = this.ctx.options;
    const deadline = Date.now() + o.rebalanceTimeoutMs + o.sessionTimeoutMs + 10_000;
    while (!this.fetched) {
      if (this.fatal) throw this.fatal;
      if (this.closed) return;
      if (Date.now() > deadline) {
        throw kafkaError(
          Object.assign(new Error(`group ${o.groupId} did not assign partitions in time`), {
            name: 'KafkaJSTimeout',
          }),
          `join group ${o.groupId}`,
        );
      }
      await this.changes.changed(this.closing.signal, 100);
    }
  }

  private listen(consumer: Consumer): void {
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.onJoin(payload.memberId, payload.memberAssignment);
      this.ctx.tracker.ok();
    });
    consumer.on(events.FETCH, () => {
      if (this.membership > 0 && !this.fetched) {
        this.fetched = true;
        this.changes.wake();
      }
    });
    consumer.on(events.HEARTBEAT, () => this.ctx.tracker.ok());
    consumer.on(events.COMMIT_OFFSETS, () => {
      this.commitsSeen++;
    });
    consumer.on(events.CRASH, ({ payload }) => {
      this.revokeAll();
      if (this.closed) return;
      const error = kafkaError(payload.error, `consume ${this.describe()}`, this.ctx.secrets);
      if (payload.restart) {
        this.ctx.tracker.lost(error);
        return;
      }
      this.fatal = error;
      this.ctx.tracker.failed(error);
      this.inbox.wake();
      this.changes.wake();
    });
  }

  private describe(): string {
    return `${sourceTopics(this.ctx.options).join(', ')} (group ${this.ctx.options.groupId})`;
  }

  /**
   * A new assignment. It continues the previous one only for the same member id (the member
   * stayed in the group through the rebalance, so nobody else owned its partitions meanwhile);
   * partitions it keeps keep their state (in-flight acks still commit, refetched records already
   * taken are skipped), every other one is revoked and its queued records dropped.
   */
  private onJoin(memberId: string, assignment: Record<string, number[]>): void {
    const continuous = memberId === this.memberId;
    this.memberId = memberId;
    const next = new Map<string, PartitionState>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const p of partitions) {
        const key = partitionKey(topic, p);
        next.set(key, (continuous && this.parts.get(key)) || new PartitionState(topic, p));
      }
    }
    for (const [key, state] of this.parts) if (next.get(key) !== state) state.revoked = true;
    this.parts = next;
    this.membership++;
    this.inbox.dropStale();
    this.changes.wake();
  }

  /** The consumer crashed (kafkajs restarts it as a new member): nothing is owned any more. */
  private revokeAll(): void {
    for (const state of this.parts.values()) state.revoked = true;
    this.parts = new Map();
    this.memberId = undefined;
    this.membership++;
    this.inbox.dropStale();
    this.changes.wake();
  }

  private state(topic: string, partition: number): PartitionState {
    const key = partitionKey(topic, partition);
    let state = this.parts.get(key);
    if (!state) {
      state = new PartitionState(topic, partition);
      this.parts.set(key, state);
    }
    return state;
  }

  /** kafkajs hands one partition's fetched records; they go to the inbox, offsets resolved. */
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, heartbeat, resolveOffset } = payload;
    if (this.closed || !isRunning() || isStale()) return;
    const state = this.state(batch.topic, batch.partition);
    const fresh =
      state.next < 0 ? batch.messages : batch.messages.filter((m) => Number(m.offset) >= state.next);
    const last = fresh[fresh.length - 1];
    if (last) {
      this.inbox.push(state, fresh);
      state.next = Number(last.offset) + 1;
    }
    resolveOffset(batch.lastOffset());
    this.ctx.tracker.ok();
    // Backpressure: hold the fetch loop (heartbeating) while the loop has enough to do.
    while (this.inbox.size >= this.ctx.options.bufferMaxMessages && !this.closed) {
      if (!isRunning() || isStale()) return;
      await this.inbox.changed(this.closing.signal, 1000);
      if (this.inbox.size >= this.ctx.options.bufferMaxMessages) await heartbeat();
    }
  }

  /**
   * Commits every owned partition's acknowledged offset, in one request, and resolves once the
   * coordinator confirmed it. A commit refused because the group is rebalancing is made again
   * once this member rejoined (for the partitions it still owns); partitions revoked meanwhile
   * are skipped: their records are redelivered to their new owner.
   */
  commit(): Promise<void> {
    const run = this.commitChain.then(() => this.commitNow());
    this.commitChain = run.catch(() => {});
    return run;
  }

  private async commitNow(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const due = [...this.parts.values()].filter((s) => s.due);
      const consumer = this.consumer;
      if (due.length === 0 || !consumer) return;
      const offsets = due.map((s) => ({ state: s, offset: s.acked }));
      const membership = this.membership;
      const seen = this.commitsSeen;
      try {
        await consumer.commitOffsets(
          offsets.map(({ state, offset }) => ({
            topic: state.topic,
            partition: state.partition,
            offset: String(offset),
          })),
        );
        if (this.commitsSeen !== seen) {
          for (const { state, offset } of offsets) {
            if (state.committed < offset) state.committed = offset;
          }
          return;
        }
        // kafkajs skipped it: its consumer is restarting (that crash revokes everything).
      } catch (error) {
        const membershipMoved = membership !== this.membership || isMembershipError(error);
        const restarting = /not initialized/.test(String((error as Error)?.message));
        if (!membershipMoved && !restarting) {
          const mapped = kafkaError(
            error,
            `commit offsets of group ${this.ctx.options.groupId}`,
            this.ctx.secrets,
          );
          if (mapped.retryable) this.ctx.tracker.lost(mapped);
          throw mapped;
        }
      }
      if (attempt >= 5 || this.closed) return;
      await this.membershipChange(membership);
    }
  }

  /** Resolves when the membership moved past `from`, or after a rebalance's worth of time. */
  private async membershipChange(from: number): Promise<void> {
    const o = this.ctx.options;
    const until = Date.now() + o.rebalanceTimeoutMs + o.sessionTimeoutMs;
    while (this.membership === from && !this.closed && Date.now() < until) {
      await this.changes.changed(this.closing.signal, 200);
    }
  }

  /**
   * Re-positions an owned partition at `offset` (nack, replay): its queued records are dropped,
   * acks taken before stop counting, and kafkajs fetches from there (after `delayMs`, paused).
   */
  rewind(state: PartitionState, epoch: number, offset: number, delayMs: number): void {
    if (!state.owns(epoch) || !this.consumer) return;
    state.rewind(offset);
    this.inbox.dropStale();
    const consumer = this.consumer;
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
      // the consumer is restarting: the crash revoked the partition, which is refetched anyway
    }
  }

  /** `receive({ from })`: resumes right after the record at `position`. */
  async seekAfter(topic: string, partition: number, offset: number): Promise<boolean> {
    const state = this.parts.get(partitionKey(topic, partition));
    if (!state) return false;
    this.rewind(state, state.epoch, offset + 1, 0);
    return true;
  }

  /** Partitions assigned to this member now. */
  assigned(): PartitionState[] {
    return [...this.parts.values()];
  }

  /** Stops fetching, commits what was acknowledged, leaves the group; never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    this.inbox.clear();
    this.changes.wake();
    const consumer = this.consumer;
    const leave = async () => {
      await this.commitChain;
      // A last try for offsets acknowledged while a commit was failing (brokers away).
      await this.commitNow().catch(() => {});
      this.consumer = undefined;
      await consumer?.disconnect().catch(() => {});
    };
    await within(leave(), CLOSE_TIMEOUT_MS);
    this.consumer = undefined;
  }
}
