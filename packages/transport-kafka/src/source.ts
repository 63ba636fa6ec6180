import type { EdgeplaneError, GroupEvent } from '@edgeplane/adapter-loop/transport';
import type { ConnectionPool, Consumer } from '@platformatic/kafka';
import { Committer } from './commit.js';
import { createConsumer, createFetchPool, subscribe } from './consumer.js';
import { joinTimeout, kafkaError, roleConfigError, topicDeleted, unlessAborted } from './errors.js';
import { Fetcher } from './fetcher.js';
import { GroupMembership } from './group.js';
import { Inbox, within } from './inbox.js';
import { followMembership } from './member.js';
import { type ResolvedKafkaOptions, sourceTopics } from './options.js';
import { type PartitionState, partitionKey } from './partition.js';
import type { ConnectionTracker } from './state.js';

/** What the source shares with the rest of the transport. */
export interface SourceContext {
  readonly options: ResolvedKafkaOptions;
  readonly tracker: ConnectionTracker;
  readonly secrets: readonly string[];
  log(level: 'error' | 'warn', namespace: string, message: string): void;
  /** Reports the client's lost and refused connections. */
  watch(client: Consumer | ConnectionPool): void;
  /** Reports a group membership change (`OpenContext.onGroupEvent`). */
  groupEvent(event: GroupEvent): void;
}

/** Codes a running member cannot get past by retrying. */
const PERMANENT: ReadonlySet<string> = new Set(['unauthenticated', 'permission-denied']);

/**
 * How often the topics read are checked to still exist as first seen (a deleted topic's fetches
 * are retried by the client for minutes without a word; see `Fetcher.verify`).
 */
const TOPIC_CHECK_MS = 5000;

/** Longest `close()` waits to commit, leave the group and disconnect. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The consumer-group member. @platformatic/kafka keeps the membership (join, heartbeats, rejoins:
 * see `followMembership`);
 * `Fetcher` fetches the owned partitions into the inbox (pausing while it is full); acks become
 * explicit offset commits (`Committer`), only for partitions this member owns.
 */
export class KafkaSource {
  readonly inbox: Inbox = new Inbox();
  /** Aborts when `close()` starts: ends `receive()` iterations, the fetch loop and waits. */
  readonly closing: AbortController = new AbortController();
  /** Why `open()` gives up: `retries` failed fetch rounds before the first one succeeded. */
  private startError: EdgeplaneError | undefined;
  private startFailures = 0;
  /** A permanent refusal seen while running (auth, ACLs): `receive()` throws it. */
  fatal: EdgeplaneError | undefined;
  private readonly group = new GroupMembership();
  private readonly committer: Committer;
  private consumer: Consumer | undefined;
  private pool: ConnectionPool | undefined;
  private starting: Promise<void> | undefined;
  private fetching: Promise<void> | undefined;
  /** Stops the fetch loop of a start that failed. */
  private stopFetching = new AbortController();
  private fetched = false;
  private fetcher: Fetcher | undefined;
  /** The last offset this process committed per partition, across assignments. */
  private readonly lastCommitted = new Map<string, number>();

  constructor(private readonly ctx: SourceContext) {
    this.committer = new Committer({
      ...ctx,
      group: this.group,
      signal: this.closing.signal,
      consumer: () => this.consumer,
      committed: (topic, partition, offset) => {
        const key = partitionKey(topic, partition);
        if ((this.lastCommitted.get(key) ?? -1) < offset) this.lastCommitted.set(key, offset);
      },
    });
  }

  /**
   * A topic read here was deleted mid-run: permanent (`topicDeleted`). Its partitions are revoked
   * at once, so nothing is ever committed for them (a commit would land on a topic recreated
   * under the same name).
   */
  private deleted(topic: string, how: string): void {
    if (this.closed || this.fatal) return;
    const states = this.group.owned().filter((s) => s.topic === topic);
    const acknowledged = states
      .map((s) => {
        const next = Math.max(
          s.acked,
          s.committed,
          this.lastCommitted.get(partitionKey(topic, s.partition)) ?? -1,
        );
        return next > 0 ? `${topic}/${s.partition} offset ${next - 1}` : undefined;
      })
      .filter((x) => x !== undefined)
      .join(', ');
    for (const s of states) s.revoked = true;
    const error = topicDeleted(topic, how, 'ingress', acknowledged || undefined);
    this.ctx.log('error', 'consumer', error.message);
    this.fatal = error;
    if (!this.fetched) this.startError ??= error;
    this.ctx.tracker.failed(error);
    this.inbox.dropStale();
    this.inbox.wake();
    this.group.wake();
  }

  /** Checks that the topics read still exist as first seen (after each join; see `Fetcher.verify`). */
  private checkTopics(): void {
    const consumer = this.consumer;
    if (!consumer || !this.fetcher || this.closed || this.fatal) return;
    void this.fetcher.verify(consumer, sourceTopics(this.ctx.options)).catch(() => {
      // a failed check is retried at the next join; fetch rounds check too
    });
  }

  /** The group had lost a partition's committed offset: resumed at this process's last commit. */
  private offsetsLost(state: PartitionState, offset: number): void {
    const { groupId } = this.ctx.options;
    const detail = `group ${groupId} had no committed offset for ${state.topic}/${state.partition} any more (deleted or expired while this member was out of the group); resumed at offset ${offset}, the last one this process committed: records from there are delivered (again), none before it`;
    this.ctx.log('warn', 'group', detail);
    this.ctx.groupEvent({
      type: 'assigned',
      partitions: this.group
        .owned()
        .map((s) => `${s.topic}/${s.partition}`)
        .sort(),
      detail,
    });
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  get options(): ResolvedKafkaOptions {
    return this.ctx.options;
  }

  /**
   * Starts the member (idempotent): metadata, group join, first fetch round. With `signal`, an
   * abort rejects at once with `cancelled` and stops the start (its client is closed).
   */
  start(signal?: AbortSignal): Promise<void> {
    this.starting ??= this.startConsumer(signal).catch(async (error: unknown) => {
      const consumer = this.consumer;
      this.consumer = undefined;
      this.starting = undefined;
      this.stopFetching.abort();
      await this.fetching?.catch(() => {});
      this.stopFetching = new AbortController();
      await consumer?.close(true).catch(() => {});
      await this.pool?.close().catch(() => {});
      throw error;
    });
    return unlessAborted(
      this.starting,
      signal,
      `opening the consumer of group ${this.ctx.options.groupId}`,
    );
  }

  private async startConsumer(signal: AbortSignal | undefined): Promise<void> {
    const { options: o, secrets } = this.ctx;
    if (!o.groupId) {
      throw roleConfigError(
        'groupId',
        'a Kafka source needs `groupId`: the consumer group that keeps its committed offsets',
      );
    }
    const consumer = await createConsumer(o, o.groupId);
    this.consumer = consumer;
    followMembership(consumer, {
      ...this.ctx,
      group: this.group,
      inbox: this.inbox,
      signal: this.closing.signal,
      consumer: () => this.consumer,
      lost: (error, what) => this.lost(error, what),
      joined: () => this.checkTopics(),
    });
    this.ctx.watch(consumer);
    const stop = signal ? AbortSignal.any([this.closing.signal, signal]) : this.closing.signal;
    await unlessAborted(
      subscribe(consumer, sourceTopics(o), o, stop, secrets),
      signal,
      'subscribing',
    );
    try {
      await unlessAborted(consumer.joinGroup({}), signal, `joining the group ${o.groupId}`);
    } catch (error) {
      throw kafkaError(error, `join the group ${o.groupId}`, secrets);
    }
    this.pool = await createFetchPool(o);
    this.ctx.watch(this.pool);
    this.fetcher = new Fetcher({
      options: o,
      pool: this.pool,
      group: this.group,
      inbox: this.inbox,
      signal: AbortSignal.any([this.closing.signal, this.stopFetching.signal]),
      consumer: () => this.consumer,
      fetched: (contacted) => this.roundDone(contacted),
      failed: (error) => this.lost(error, 'fetch'),
      deleted: (topic, how) => this.deleted(topic, how),
      lastCommitted: (topic, partition) => this.lastCommitted.get(partitionKey(topic, partition)),
      offsetsLost: (state, offset) => this.offsetsLost(state, offset),
    });
    this.fetching = this.fetcher.run();
    this.checkTopics();
    const timer = setInterval(() => this.checkTopics(), TOPIC_CHECK_MS);
    timer.unref();
    this.closing.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    this.stopFetching.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    await unlessAborted(
      this.untilFetched(stop),
      signal,
      `waiting for the first fetch of group ${o.groupId}`,
    );
  }

  private roundDone(contacted: boolean): void {
    if (contacted) this.ctx.tracker.ok();
    if (this.group.generation > 0 && !this.fetched) {
      this.fetched = true;
      this.group.wake();
    }
  }

  /**
   * A fetch round, heartbeat or rejoin failed: `reconnecting`, with the error. Nothing is fatal
   * here (kafkajs restarted its consumer after any crash, too): the fetch loop and the rejoins
   * keep trying, with backoff, until the brokers answer or `close()`.
   */
  private lost(error: unknown, what: string): void {
    if (this.closed || this.fatal) return;
    const topics = sourceTopics(this.ctx.options).join(', ');
    const mapped = kafkaError(error, `${what} ${topics}`, this.ctx.secrets);
    if (PERMANENT.has(mapped.code)) {
      // credentials or ACLs refused: retrying cannot help; the receive iterator throws it
      this.ctx.log('error', 'consumer', mapped.message);
      this.fatal ??= mapped;
      this.ctx.tracker.failed(mapped);
      this.inbox.wake();
      this.group.wake();
      if (!this.fetched) this.startError = mapped;
      return;
    }
    this.ctx.log('warn', 'consumer', mapped.message);
    this.ctx.tracker.lost(mapped);
    if (!this.fetched && ++this.startFailures > this.ctx.options.retries) {
      this.startError = mapped;
      this.group.wake();
    }
  }

  /** A permanent refusal seen elsewhere (a connection's SASL failure): `receive()` throws it. */
  fail(error: EdgeplaneError): void {
    if (this.closed) return;
    this.fatal ??= error;
    if (!this.fetched) this.startError ??= error;
    this.inbox.wake();
    this.group.wake();
  }

  /** Waits for the first fetch round after the group join: the start offsets are then resolved. */
  private async untilFetched(stop: AbortSignal): Promise<void> {
    const o = this.ctx.options;
    const deadline = Date.now() + o.rebalanceTimeoutMs + o.sessionTimeoutMs + 10_000;
    while (!this.fetched) {
      if (this.startError) throw this.startError;
      if (stop.aborted) return;
      if (Date.now() > deadline) {
        throw joinTimeout(o.groupId as string);
      }
      await this.group.changed(stop, 100);
    }
  }

  /** Commits what was acknowledged (see `Committer`). */
  commit(): Promise<void> {
    return this.committer.commit();
  }

  /**
   * Re-positions an owned partition at `offset` (nack, replay): its queued records are dropped,
   * acks taken before stop counting, and the fetch loop goes on from there (after `delayMs`).
   */
  rewind(state: PartitionState, epoch: number, offset: number, delayMs: number): void {
    if (!state.owns(epoch)) return;
    state.rewind(offset);
    state.pausedUntil = delayMs > 0 ? Date.now() + delayMs : 0;
    this.inbox.dropStale();
    this.group.wake();
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
      // after a fatal error the fetch in flight may be in the client's retries for minutes
      if (!this.fatal) await this.fetching?.catch(() => {});
      await this.committer.flush();
      this.consumer = undefined;
      await consumer?.close(true).catch(() => {});
      await this.pool?.close().catch(() => {});
    };
    await within(leave(), CLOSE_TIMEOUT_MS);
    this.consumer = undefined;
  }
}
