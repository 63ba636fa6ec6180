import type { EdgeplaneError } from '@edgeplane/errors';
import type { Notifier } from '../ring/notifier.js';
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
}

/**
 * Collects released ring slots into egress batches by count, bytes and linger time, and queues
 * at most `maxQueued` closed batches (beyond that, `canAccept()` is false: backpressure).
 */
export class EgressBatcher {
  private current: StageMessage[] = [];
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
  add(values: readonly (StageMessage | null)[], firstSeq: number): void {
    for (let i = 0; i < values.length; i++) {
      const m = values[i];
      if (m) {
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
    this.queue.push({ messages: this.current, lastSeq: this.lastSeq });
    this.closedSeq = this.lastSeq;
    this.current = [];
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
    this.finished = true;
    this.notifier.fire();
  }
}
