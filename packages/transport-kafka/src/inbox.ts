import type { KafkaRecord } from '@platformatic/kafka';
import { type BatchOwner, KafkaBatch, type Segment } from './batch.js';
import { KafkaInboundMessage } from './message.js';
import type { PartitionState } from './partition.js';

/** Records of one record batch: record `i` has offset `base + records[i].offsetDelta`. */
export interface RecordRun {
  readonly base: number;
  readonly records: readonly KafkaRecord[];
}

interface Chunk {
  readonly state: PartitionState;
  readonly epoch: number;
  readonly base: number;
  readonly messages: readonly KafkaRecord[];
  at: number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/** Waits for `promise`, at most `ms` (the timer is cleared: it never holds the process open). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Fetched records waiting for `receive()`: runs per partition, in fetch order. The fetcher
 * pushes, `receive()` takes batches. Runs of a partition that was revoked or re-positioned are
 * dropped (they will be fetched again, by this member or the new owner).
 */
export class Inbox {
  private chunks: Chunk[] = [];
  private waiters: (() => void)[] = [];
  /** Messages held. */
  size = 0;

  /** Queues `run.records` from index `from` on (earlier ones were taken already). */
  push(state: PartitionState, run: RecordRun, from = 0): void {
    const n = run.records.length - from;
    if (n <= 0) return;
    this.chunks.push({
      state,
      epoch: state.epoch,
      base: run.base,
      messages: run.records,
      at: from,
    });
    this.size += n;
    this.wake();
  }

  /** Removes runs whose partition state no longer owns them. */
  dropStale(): void {
    const keep = this.chunks.filter((c) => c.state.owns(c.epoch));
    if (keep.length === this.chunks.length) return;
    this.chunks = keep;
    this.size = keep.reduce((n, c) => n + c.messages.length - c.at, 0);
    this.wake();
  }

  /** Takes up to `max` messages as one batch, or `undefined` when empty. */
  take(max: number, owner: BatchOwner): KafkaBatch | undefined {
    const out: KafkaInboundMessage[] = [];
    const segments: Segment[] = [];
    while (out.length < max && this.chunks.length > 0) {
      const c = this.chunks[0] as Chunk;
      const left = c.messages.length - c.at;
      if (!c.state.owns(c.epoch)) {
        this.chunks.shift();
        this.size -= left;
        continue;
      }
      const n = Math.min(max - out.length, left);
      const start = out.length;
      const { topic, partition } = c.state;
      for (let i = c.at; i < c.at + n; i++) {
        const record = c.messages[i] as KafkaRecord;
        out.push(new KafkaInboundMessage(topic, partition, c.base + record.offsetDelta, record));
      }
      segments.push({ state: c.state, epoch: c.epoch, start, end: out.length });
      c.at += n;
      this.size -= n;
      if (c.at === c.messages.length) this.chunks.shift();
    }
    if (out.length === 0) return undefined;
    this.wake();
    return new KafkaBatch(out, segments, owner);
  }

  /** Resolves on the next push, take or drop (or after `ms`), or when `signal` aborts. */
  changed(signal: AbortSignal, ms = 1000): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        const at = this.waiters.indexOf(done);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve();
      };
      timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
      this.waiters.push(done);
    });
  }

  /** Wakes every waiter. */
  wake(): void {
    if (this.waiters.length === 0) return;
    for (const w of [...this.waiters]) w();
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.wake();
  }
}
