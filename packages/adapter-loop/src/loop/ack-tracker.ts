import type { InboundBatch, InboundMessage } from '../transport/types.js';

interface Pending {
  readonly batch: InboundBatch;
  /** Ring sequence of the batch's first used message. */
  readonly firstSeq: number;
  /** Messages of the batch that were published (a bounded drain may use a prefix). */
  readonly count: number;
  /** Messages acknowledged so far. */
  acked: number;
}

/**
 * Acknowledges ingress batches in receive order as the egress durably takes ring sequences. A
 * batch the egress has taken only part of is acknowledged partially (`ack(k)`), so what is
 * written but not acknowledged never exceeds what the egress is sending right now. With
 * `coalesce` (transports declaring total ordering, whose acks are cumulative), only the newest
 * acknowledgement of a step is sent; with `parallel` (`ordering: 'none'`, each message acked on
 * its own) the acks of a step go out at once.
 */
export class AckTracker {
  private pending: (Pending | undefined)[] = [];
  private head = 0;
  private doneSeq = -1;
  private chain: Promise<void> = Promise.resolve();
  /** Messages whose ingress position has been acknowledged. */
  acked = 0;
  /** When the acknowledgement now in progress was sent (ms clock), or undefined when none is. */
  busySince: number | undefined;
  /** Acknowledgements that completed (any number of messages each). */
  completed = 0;

  constructor(
    private readonly coalesce: boolean,
    /** Transports with `ordering: 'none'` ack each message on its own: send a step's acks at once. */
    private readonly parallel: boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Records a published batch: `count` messages ending at ring sequence `lastSeq`. */
  add(batch: InboundBatch, lastSeq: number, count: number): void {
    if (count === 0) return;
    this.pending.push({ batch, firstSeq: lastSeq - count + 1, count, acked: 0 });
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

  /** The ingress message published at ring sequence `seq`, while it is not yet acknowledged. */
  inboundAt(seq: number): InboundMessage | undefined {
    for (let i = this.head; i < this.pending.length; i++) {
      const p = this.pending[i];
      if (p && seq >= p.firstSeq && seq < p.firstSeq + p.count)
        return p.batch.messages[seq - p.firstSeq];
    }
    return undefined;
  }

  /** Batches received but not yet fully acknowledged. */
  get outstanding(): number {
    return this.pending.length - this.head;
  }

  private flush(): void {
    const steps: { batch: InboundBatch; upTo: number; messages: number }[] = [];
    while (this.head < this.pending.length) {
      const p = this.pending[this.head] as Pending;
      const upTo = Math.min(p.count, this.doneSeq - p.firstSeq + 1);
      if (upTo <= p.acked) break;
      steps.push({ batch: p.batch, upTo, messages: upTo - p.acked });
      p.acked = upTo;
      if (upTo < p.count) break;
      this.pending[this.head] = undefined; // release the batch (and the buffers its messages hold)
      this.head++;
    }
    if (this.head >= 64 && this.head * 2 >= this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    if (steps.length === 0) return;
    const toAck = this.coalesce ? steps.slice(-1) : steps;
    const messages = steps.reduce((n, s) => n + s.messages, 0);
    this.chain = this.chain.then(async () => {
      this.busySince = Date.now();
      try {
        if (this.parallel) await Promise.all(toAck.map((s) => s.batch.ack(s.upTo)));
        else for (const s of toAck) await s.batch.ack(s.upTo);
        this.acked += messages;
        this.completed++;
      } catch (error) {
        this.onError(error);
      } finally {
        this.busySince = undefined;
      }
    });
  }
}
