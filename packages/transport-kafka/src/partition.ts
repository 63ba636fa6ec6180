/**
 * What this member knows about one assigned partition. A new object is made for every
 * assignment that does not continue the previous one, and the old one is marked `revoked`: acks
 * captured against a revoked state (or an older `epoch`) are no-ops, so nothing is ever committed
 * for a partition this member no longer owns.
 */
export class PartitionState {
  /** Set when the partition left this member's assignment (rebalance, consumer restart). */
  revoked = false;
  /** Bumped by a seek (replay, nack): acks of messages yielded before it are no-ops. */
  epoch = 0;
  /** The fetch position: offset of the next record to take (-1: not known yet, see `Fetcher`). */
  next = -1;
  /** Not fetched before this time (epoch ms): a nack with `retryAfterMs` pauses the partition. */
  pausedUntil = 0;
  /** The position fell out of the log: restart like a group without offsets (not committed). */
  resetting = false;
  /** Commit offset (last acknowledged + 1) not yet committed, if above `committed`. */
  acked = -1;
  /** Last commit offset the broker confirmed (-1: none by this member since the last seek). */
  committed = -1;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** True while acks captured at `epoch` still count. */
  owns(epoch: number): boolean {
    return !this.revoked && this.epoch === epoch;
  }

  /** Records `offset` (last acknowledged + 1) for the next commit, if still owned. */
  ack(epoch: number, offset: number): void {
    if (this.owns(epoch) && offset > this.acked) this.acked = offset;
  }

  /** Restarts at `offset` (seek): earlier acks stop counting, the next fetch starts there. */
  rewind(offset: number): void {
    this.epoch++;
    this.next = offset;
    this.acked = -1;
    this.committed = -1;
  }

  /** The position is out of range: find it again (earlier acks still count). */
  reset(): void {
    this.next = -1;
    this.resetting = true;
  }

  /** The position found for a partition that had none. */
  start(offset: number): void {
    this.next = offset;
    this.resetting = false;
  }

  /** True when an acknowledged offset still awaits its commit. */
  get due(): boolean {
    return !this.revoked && this.acked > this.committed;
  }
}

/** Map key of a topic-partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}
