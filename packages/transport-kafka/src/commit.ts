import type { Consumer } from '@platformatic/kafka';
import { isMembershipError, kafkaError } from './errors.js';
import type { GroupMembership } from './group.js';
import type { ResolvedKafkaOptions } from './options.js';
import type { ConnectionTracker } from './state.js';

/** What the committer needs from its source. */
export interface CommitContext {
  readonly options: ResolvedKafkaOptions;
  readonly tracker: ConnectionTracker;
  readonly secrets: readonly string[];
  readonly group: GroupMembership;
  readonly signal: AbortSignal;
  consumer(): Consumer | undefined;
  /** A commit the coordinator confirmed (the source remembers it across assignments). */
  committed(topic: string, partition: number, offset: number): void;
}

/** Rejoins a commit waits through before giving up on it (the records are then redelivered). */
const MAX_REJOINS = 5;

/**
 * Commits acknowledged offsets to the group, one request at a time, and resolves once the
 * coordinator confirmed them. Each commit carries every owned partition's newest acknowledged
 * offset, so one that failed is covered by the next. A commit refused because the group is
 * rebalancing is made again once this member rejoined, for the partitions it still owns;
 * partitions revoked meanwhile are skipped: their records are redelivered to their new owner.
 */
export class Committer {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: CommitContext) {}

  commit(): Promise<void> {
    const run = this.chain.then(() => this.commitNow());
    this.chain = run.catch(() => {});
    return run;
  }

  /** Waits for the commits in flight, then tries once more (close). Never rejects. */
  async flush(): Promise<void> {
    await this.chain;
    await this.commitNow().catch(() => {});
  }

  private async commitNow(): Promise<void> {
    const { group, options } = this.ctx;
    for (let attempt = 0; ; attempt++) {
      const due = group.due();
      const consumer = this.ctx.consumer();
      if (due.length === 0 || !consumer) return;
      const offsets = due.map((state) => ({ state, offset: state.acked }));
      const generation = group.generation;
      try {
        await consumer.commit({
          offsets: offsets.map(({ state, offset }) => ({
            topic: state.topic,
            partition: state.partition,
            offset: BigInt(offset),
            leaderEpoch: -1,
          })),
        });
        for (const { state, offset } of offsets) {
          if (state.committed < offset) state.committed = offset;
          this.ctx.committed(state.topic, state.partition, offset);
        }
        return;
      } catch (error) {
        const rejoining = generation !== group.generation || isMembershipError(error);
        if (!rejoining || attempt >= MAX_REJOINS) {
          const mapped = kafkaError(
            error,
            `commit offsets of group ${options.groupId}`,
            this.ctx.secrets,
          );
          if (mapped.retryable) this.ctx.tracker.lost(mapped);
          throw mapped;
        }
      }
      if (attempt >= MAX_REJOINS || this.ctx.signal.aborted) return;
      const until = Date.now() + options.rebalanceTimeoutMs + options.sessionTimeoutMs;
      await group.movedPast(generation, until, this.ctx.signal);
    }
  }
}
