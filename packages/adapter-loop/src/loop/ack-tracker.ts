import type { InboundBatch } from '../transport/types.js';

interface Pending {
  readonly batch: InboundBatch;
  readonly lastSeq: number;
  readonly count: number;
}

/**
 * Acknowledges ingress batches in receive order once the egress has durably taken every ring
 * sequence up to their last message. With `coalesce` (transports declaring total ordering, whose
 * acks are cumulative), only the newest ready batch is acknowledged.
 */
export class AckTracker {
  private pending: (Pending | undefined)[] = [];
  private head = 0;
  private doneSeq = -1;
  private chain: Promise<void> = Promise.resolve();
  /** Messages whose ingress position has been acknowledged. */
  acked = 0;

  constructor(
    private readonly coalesce: boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Records a published batch: its messages end at ring sequence `lastSeq`; `count` were used. */
  add(batch: InboundBatch, lastSeq: number, count: number): void {
    this.pending.push({ batch, lastSeq, count });
    this.flush();
  }

  /** The egress has durably taken everything up to `seq`. */
  advance(seq: number): void {
    if (seq > this.doneSeq) this.doneSeq = seq;
    this.flush();
  }

  /** Resolves when every ack scheduled so far has completed. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Batches received but not yet acknowledged. */
  get outstanding(): number {
    return this.pending.length - this.head;
  }

  private flush(): void {
    const ready: Pending[] = [];
    while (this.head < this.pending.length) {
      const p = this.pending[this.head] as Pending;
      if (p.lastSeq > this.doneSeq) break;
      ready.push(p);
      this.pending[this.head] = undefined; // release the batch (and the buffers its messages hold)
      this.head++;
    }
    if (this.head >= 64 && this.head * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    if (ready.length === 0) return;
    const toAck = this.coalesce ? ready.slice(-1) : ready;
    const messages = ready.reduce((n, p) => n + p.count, 0);
    this.chain = this.chain.then(async () => {
      try {
        for (const p of toAck) await p.batch.ack(p.count);
        this.acked += messages;
      } catch (error) {
        this.onError(error);
      }
    });
  }
}
