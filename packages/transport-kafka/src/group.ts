import { Inbox } from './inbox.js';
import { PartitionState, partitionKey } from './partition.js';

/**
 * This member's view of its consumer group: the partitions assigned to it and a counter that
 * moves on every group join and every lost membership (commits refused during a rebalance wait
 * for it to move).
 */
export class GroupMembership {
  private parts = new Map<string, PartitionState>();
  private memberId: string | undefined;
  /** Bumped on every group join and lost membership. */
  generation = 0;
  private readonly changes = new Inbox();

  /**
   * A new assignment. It continues the previous one only for the same member id (the member
   * stayed in the group through the rebalance, so nobody else owned its partitions meanwhile);
   * partitions it keeps keep their state (in-flight acks still commit, their fetch positions carry on), every other one is revoked.
   */
  join(
    memberId: string,
    assignment: readonly { readonly topic: string; readonly partitions: readonly number[] }[],
  ): void {
    const continuous = memberId === this.memberId;
    this.memberId = memberId;
    const next = new Map<string, PartitionState>();
    for (const { topic, partitions } of assignment) {
      for (const p of partitions) {
        const key = partitionKey(topic, p);
        next.set(key, (continuous && this.parts.get(key)) || new PartitionState(topic, p));
      }
    }
    for (const [key, state] of this.parts) if (next.get(key) !== state) state.revoked = true;
    this.parts = next;
    this.moved();
  }

  /** The membership was lost (a failed rejoin): nothing is owned any more. */
  revokeAll(): void {
    for (const state of this.parts.values()) state.revoked = true;
    this.parts = new Map();
    this.memberId = undefined;
    this.moved();
  }

  private moved(): void {
    this.generation++;
    this.changes.wake();
  }

  /** The partitions assigned to this member. */
  owned(): PartitionState[] {
    return [...this.parts.values()];
  }

  /** The state of a partition if it is assigned to this member. */
  find(topic: string, partition: number): PartitionState | undefined {
    return this.parts.get(partitionKey(topic, partition));
  }

  /** Owned partitions with an acknowledged offset not yet committed. */
  due(): PartitionState[] {
    return [...this.parts.values()].filter((s) => s.due);
  }

  /** Wakes `changed()` waiters (the first fetch, a fatal crash, close). */
  wake(): void {
    this.changes.wake();
  }

  /** Resolves on the next join, crash or `wake()`, after `ms`, or when `signal` aborts. */
  changed(signal: AbortSignal, ms: number): Promise<void> {
    return this.changes.changed(signal, ms);
  }

  /** Resolves once `generation` moved past `from`, or at `until` (epoch ms), or on abort. */
  async movedPast(from: number, until: number, signal: AbortSignal): Promise<void> {
    while (this.generation === from && !signal.aborted && Date.now() < until) {
      await this.changes.changed(signal, 200);
    }
  }
}
