import type { EdgeplaneError } from '@edgeplane/errors';
import type { Notifier } from '../ring/notifier.js';
import { RejectedSlot, type Slot } from '../ring/slot.js';
import type { StageMessage } from '../stages.js';

/** Egress batching limits: a batch closes at whichever comes first. */
export interface BatchOptions {
  /** Messages per egress batch (default 1024). */
  readonly maxMessages?: number;
  /** Body bytes per egress batch (default 1 MiB). */
  readonly maxBytes?: number;
  /** Longest a non-full batch waits for more messages, ms (default 5). */
  readonly lingerMs?: number;
}

/** A closed egress batch: its messages and the last ring sequence it covers (drops included). */
export interface EgressBatch {
  readonly messages: StageMessage[];
  readonly lastSeq: number;
  /** Ring sequence of `messages[0]` (-1 for an empty batch of drops only). */
  readonly firstSeq: number;
  /** Ring sequence of each message, present only when drops made them non-consecutive. */
  readonly seqs: readonly number[] | undefined;
  /** Slots a stage refused, in ring order, with their sequences (the failure policy applies). */
  readonly rejects: readonly StageReject[];
}

/** A slot a stage refused, at ring sequence `seq`. */
export interface StageReject {
  readonly seq: number;
  readonly slot: RejectedSlot;
}

const NO_REJECTS: readonly StageReject[] = Object.freeze([]);

/** Ring sequence of `batch.messages[index]`. */
export function seqOf(batch: EgressBatch, index: number): number {
  return batch.seqs ? (batch.seqs[index] ?? -1) : batch.firstSeq + index;
}

/**
 * Collects released ring slots into egress batches by count, bytes and linger time, and queues
 * at most `maxQueued` closed batches (beyond that, `canAccept()` is false: backpressure).
 */
export class EgressBatcher {
  private current: StageMessage[] = [];
  /** Ring sequence of `current[0]`. */
  private firstSeq = -1;
  /** Explicit sequences of `current`, once a drop inside the batch made them non-consecutive. */
  private seqs: number[] | undefined;
  private rejects: StageReject[] | undefined;
  private bytes = 0;
  private lastSeq = -1;
  private closedSeq = -1;
  private timer: NodeJS.Timeout | undefined;
  readonly queue: EgressBatch[] = [];
  finished = false;
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly lingerMs: number;

  constructor(
    options: BatchOptions,
    private readonly notifier: Notifier,
    private readonly maxQueued = 2,
  ) {
    this.maxMessages = options.maxMessages ?? 1024;
    this.maxBytes = options.maxBytes ?? 1_048_576;
    this.lingerMs = options.lingerMs ?? 5;
  }

  canAccept(): boolean {
    return this.queue.length < this.maxQueued;
  }

  /** Adds released slots starting at ring sequence `firstSeq` (null = dropped by a stage). */
  add(values: readonly Slot[], firstSeq: number): void {
    for (let i = 0; i < values.length; i++) {
      const m = values[i];
      if (m instanceof RejectedSlot) {
        if (!this.rejects) this.rejects = [];
        this.rejects.push({ seq: firstSeq + i, slot: m });
      } else if (m) {
        const seq = firstSeq + i;
        if (this.current.length === 0) this.firstSeq = seq;
        else if (!this.seqs && seq !== this.firstSeq + this.current.length)
          this.seqs = this.current.map((_, j) => this.firstSeq + j);
        this.seqs?.push(seq);
        this.current.push(m);
        this.bytes += m.bodyLength ?? m.body.byteLength;
      }
      this.lastSeq = firstSeq + i;
      if (this.current.length >= this.maxMessages || this.bytes >= this.maxBytes) this.close();
    }
    if (this.lastSeq > this.closedSeq && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.close();
      }, this.lingerMs);
    }
  }

  /** Closes the current batch (if it covers any new sequence) and wakes the sender. */
  close(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.lastSeq <= this.closedSeq) return;
    const firstSeq = this.current.length > 0 ? this.firstSeq : -1;
    this.queue.push({
      messages: this.current,
      lastSeq: this.lastSeq,
      firstSeq,
      seqs: this.seqs,
      rejects: this.rejects ?? NO_REJECTS,
    });
    this.closedSeq = this.lastSeq;
    this.current = [];
    this.seqs = undefined;
    this.rejects = undefined;
    this.bytes = 0;
    this.notifier.fire();
  }

  /** No more slots will come: close what is open. */
  finish(): void {
    this.close();
    this.finished = true;
    this.notifier.fire();
  }

  /** Drops everything not yet sent (hard stop); those messages stay unacknowledged. */
  abandon(_reason?: EdgeplaneError): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.current = [];
    this.seqs = undefined;
    this.rejects = undefined;
    this.finished = true;
    this.notifier.fire();
  }
}
