import {
  type ClusterMetadata,
  type ConnectionPool,
  type Consumer,
  findErrorBy,
  IS_CONTROL,
  ListOffsetTimestamps,
  type RecordsBatch,
} from '@platformatic/kafka';
import { isUnknownTopic } from './errors.js';
import type { GroupMembership } from './group.js';
import { type Inbox, sleep } from './inbox.js';
import type { ResolvedKafkaOptions } from './options.js';
import { type PartitionState, partitionKey } from './partition.js';

type FetchRequestTopic = Parameters<Consumer['fetch']>[0]['topics'][number];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

/** What the fetch loop needs from its source. */
export interface FetcherContext {
  readonly options: ResolvedKafkaOptions;
  readonly group: GroupMembership;
  readonly inbox: Inbox;
  readonly signal: AbortSignal;
  consumer(): Consumer | undefined;
  /** The fetch loop's own connections (see `createFetchPool`). */
  readonly pool: ConnectionPool;
  /** A round completed; `contacted`: it asked the brokers (who answered), records or not. */
  fetched(contacted: boolean): void;
  /** A round failed; the loop waits (backoff) and tries again. */
  failed(error: unknown): void;
  /** A topic read here was deleted (gone, or its id changed): the source fails for good. */
  deleted(topic: string, how: string): void;
  /** The last offset this process committed for a partition, if any (see `position`). */
  lastCommitted(topic: string, partition: number): number | undefined;
  /** The group had no committed offset where this process had committed `offset`: resumed there. */
  offsetsLost(state: PartitionState, offset: number): void;
}

interface Requested {
  readonly state: PartitionState;
  readonly epoch: number;
  readonly offset: number;
}

/**
 * The fetch loop of a group member: this member's positions, not the client's stream. It fetches
 * the owned, unpaused partitions from their leaders, one request per broker at a time, and hands
 * the records to the inbox. It waits while the inbox holds `bufferMaxMessages` (the client keeps
 * heartbeating on its own timer meanwhile), and rides out any failure with backoff until closed.
 * A response for a partition revoked or re-positioned (seek, nack) since its request is dropped.
 */
export class Fetcher {
  /** Topic ids first seen: a different id later means the topic was deleted and created again. */
  private readonly ids = new Map<string, string>();

  constructor(private readonly ctx: FetcherContext) {}

  /**
   * Asks the brokers (no cache, no auto-creation) whether `topics` still exist as the topics
   * first read; reports those deleted. Called when a request says a topic is unknown.
   */
  async verify(consumer: Consumer, topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      try {
        const m = await consumer.metadata({
          topics: [topic],
          autocreateTopics: false,
          forceUpdate: true,
          retries: 0,
        });
        this.compare(topic, m.topics.get(topic)?.id);
      } catch (error) {
        if (!isUnknownTopic(error)) throw error;
        this.ctx.deleted(topic, 'it no longer exists');
      }
    }
  }

  private compare(topic: string, id: string | undefined): void {
    if (id === undefined) return;
    const known = this.ids.get(topic);
    if (known === undefined) this.ids.set(topic, id);
    else if (known !== id)
      this.ctx.deleted(
        topic,
        `a new topic of that name exists now: its id changed from ${known} to ${id}`,
      );
  }

  async run(): Promise<void> {
    const { options: o, inbox, group, signal } = this.ctx;
    let failures = 0;
    while (!signal.aborted) {
      if (inbox.size >= o.bufferMaxMessages) {
        await inbox.changed(signal, 1000);
        continue;
      }
      try {
        const fetched = await this.round();
        failures = 0;
        this.ctx.fetched(fetched);
        if (!fetched) await group.changed(signal, 100);
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        this.ctx.failed(error);
        await sleep(Math.min(o.retryMaxMs, o.retryInitialMs * 2 ** (failures - 1)), signal);
      }
    }
  }

  /** One fetch per leader of the partitions ready to fetch; false when there was none. */
  private async round(): Promise<boolean> {
    const consumer = this.ctx.consumer();
    if (!consumer) return false;
    const now = Date.now();
    const ready = this.ctx.group.owned().filter((s) => s.pausedUntil <= now);
    const unknown = ready.filter((s) => s.next < 0);
    if (unknown.length > 0) await this.position(consumer, unknown);
    const wanted = ready.filter((s) => s.next >= 0 && !s.revoked);
    if (wanted.length === 0) return false;
    const names = [...new Set(wanted.map((s) => s.topic))];
    // Never auto-created here: a topic deleted mid-run must not come back empty behind us.
    let metadata: ClusterMetadata;
    try {
      metadata = await consumer.metadata({ topics: names, autocreateTopics: false });
    } catch (error) {
      if (isUnknownTopic(error)) await this.verify(consumer, names);
      throw error;
    }
    for (const topic of names) this.compare(topic, metadata.topics.get(topic)?.id);
    const byLeader = new Map<number, PartitionState[]>();
    for (const s of wanted) {
      const leader = metadata.topics.get(s.topic)?.partitions[s.partition]?.leader;
      if (leader === undefined || leader < 0) continue;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), s]);
    }
    await Promise.all(
      [...byLeader].map(([node, states]) => this.fetch(consumer, node, states, metadata)),
    );
    return byLeader.size > 0;
  }

  private async fetch(
    consumer: Consumer,
    node: number,
    states: PartitionState[],
    metadata: ClusterMetadata,
  ): Promise<void> {
    const o = this.ctx.options;
    const requested = new Map<string, Requested>();
    const topics = new Map<string, FetchRequestTopic>();
    for (const state of states) {
      const id = metadata.topics.get(state.topic)?.id as string;
      requested.set(partitionKey(state.topic, state.partition), {
        state,
        epoch: state.epoch,
        offset: state.next,
      });
      const topic = topics.get(id) ?? { topicId: id, partitions: [] };
      topics.set(id, topic);
      topic.partitions.push({
        partition: state.partition,
        fetchOffset: BigInt(state.next),
        partitionMaxBytes: o.maxBytesPerPartition,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
    }
    let response: FetchResponse;
    try {
      response = await consumer.fetch({
        node,
        topics: [...topics.values()],
        maxWaitTime: o.maxWaitTimeMs,
        minBytes: 1,
        connectionPool: this.ctx.pool,
      });
    } catch (error) {
      if (isUnknownTopic(error)) {
        await this.verify(consumer, [...new Set(states.map((s) => s.topic))]);
        throw error;
      }
      // Out of range (retention deleted the position): restart where a new group would.
      const partial = (error as { response?: FetchResponse }).response;
      if (!partial || !findErrorBy(error as Error, 'apiId', 'OFFSET_OUT_OF_RANGE')) throw error;
      response = partial;
    }
    const names = new Map([...metadata.topics].map(([name, t]) => [t.id, name]));
    const unknown = new Set<string>();
    for (const topic of response.responses) {
      const name = names.get(topic.topicId) ?? topic.topicId;
      for (const p of topic.partitions) {
        const r = requested.get(partitionKey(name, p.partitionIndex));
        if (!r?.state.owns(r.epoch) || r.state.next !== r.offset) continue;
        if (p.errorCode === 1) r.state.reset();
        else if (p.errorCode === 0) this.take(r.state, p.records ?? []);
        // UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID: was the topic deleted?
        else if (p.errorCode === 3 || p.errorCode === 100) unknown.add(r.state.topic);
      }
    }
    if (unknown.size > 0) await this.verify(consumer, [...unknown]);
  }

  /** Queues a partition's fetched records from its position on; moves the position past them. */
  private take(state: PartitionState, batches: readonly RecordsBatch[]): void {
    let next = state.next;
    for (const batch of batches) {
      const base = Number(batch.firstOffset);
      const last = base + batch.lastOffsetDelta;
      if (last < next) continue;
      if (!(batch.attributes & IS_CONTROL)) {
        let from = 0;
        while (from < batch.records.length && base + (batch.records[from]?.offsetDelta ?? 0) < next)
          from++;
        this.ctx.inbox.push(state, { base, records: batch.records }, from);
      }
      next = last + 1;
    }
    state.next = next;
  }

  /**
   * Where partitions without a position start: the group's committed offset, else (or after an
   * out-of-range position) the log start with `fromBeginning`, the end otherwise.
   */
  private async position(consumer: Consumer, states: PartitionState[]): Promise<void> {
    const taken = states.map((state) => ({ state, epoch: state.epoch }));
    const topics = [...new Set(states.map((s) => s.topic))];
    const partitions = (t: string) => states.filter((s) => s.topic === t).map((s) => s.partition);
    const asking = states.filter((s) => !s.resetting);
    const committed =
      asking.length > 0
        ? await consumer.listCommittedOffsets({
            topics: topics.map((topic) => ({ topic, partitions: partitions(topic) })),
          })
        : new Map<string, bigint[]>();
    const timestamp = this.ctx.options.fromBeginning
      ? ListOffsetTimestamps.EARLIEST
      : ListOffsetTimestamps.LATEST;
    const ends = await consumer.listOffsets({ topics, timestamp });
    for (const { state, epoch } of taken) {
      if (!state.owns(epoch) || state.next >= 0) continue;
      const mine = state.resetting
        ? -1
        : Number(committed.get(state.topic)?.[state.partition] ?? -1);
      // The group lost its committed offset (deleted while this member was out of it, expired)
      // where this process had committed one: resume there, not from the log start (logged).
      const known = state.resetting
        ? undefined
        : this.ctx.lastCommitted(state.topic, state.partition);
      if (mine < 0 && known !== undefined) {
        state.start(known);
        this.ctx.offsetsLost(state, known);
        continue;
      }
      const start = mine >= 0 ? mine : Number(ends.get(state.topic)?.[state.partition] ?? -1);
      if (start >= 0) state.start(start);
    }
  }
}
