import type { InboundBatch } from '@edgeplane/adapter-loop/transport';
import { closedError } from './errors.js';
import type { KafkaInboundMessage } from './message.js';
import type { PartitionState } from './partition.js';

/** A run of a batch's messages from one partition: `[start, end)`, taken at `epoch`. */
export interface Segment {
  readonly state: PartitionState;
  readonly epoch: number;
  readonly start: number;
  readonly end: number;
}

/** What a batch needs from its source. */
export interface BatchOwner {
  readonly closed: boolean;
  /** Commits every acknowledged, owned partition; resolves once the broker confirmed it. */
  commit(): Promise<void>;
  /** Gives a partition back from `offset` (a seek), after `delayMs`. */
  rewind(state: PartitionState, epoch: number, offset: number, delayMs: number): void;
}

/**
 * A received batch; it may hold runs of several partitions. `ack(n)` records, per partition, the
 * offset after the last of the first `n` messages and commits those offsets to the group before
 * resolving. Partitions revoked since (or re-positioned by a seek) are skipped: their messages go
 * to whichever member owns them now.
 */
export class KafkaBatch implements InboundBatch {
  private acked = 0;

  constructor(
    readonly messages: readonly KafkaInboundMessage[],
    private readonly segments: readonly Segment[],
    private readonly owner: BatchOwner,
  ) {}

  async ack(count: number = this.messages.length): Promise<void> {
    if (this.owner.closed) throw closedError();
    const n = Math.max(0, Math.min(Math.floor(count), this.messages.length));
    if (n > this.acked) {
      for (const s of this.segments) {
        if (s.start >= n) break;
        const last = this.messages[Math.min(s.end, n) - 1] as KafkaInboundMessage;
        s.state.ack(s.epoch, last.offsetNumber + 1);
      }
      this.acked = n;
    }
    await this.owner.commit();
  }

  async nack(options?: { readonly retryAfterMs?: number }): Promise<void> {
    if (this.owner.closed) throw closedError();
    const seen = new Set<PartitionState>();
    for (const s of this.segments) {
      if (s.end <= this.acked || seen.has(s.state)) continue;
      seen.add(s.state);
      const first = this.messages[Math.max(s.start, this.acked)] as KafkaInboundMessage;
      this.owner.rewind(s.state, s.epoch, first.offsetNumber, options?.retryAfterMs ?? 0);
    }
    this.acked = this.messages.length;
  }
}
