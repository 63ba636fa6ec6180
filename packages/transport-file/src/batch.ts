import type { InboundBatch } from '@edgeplane/adapter-loop/transport';
import { closedError } from './errors.js';
import { type FileMessage, type FileRef, tailOf } from './message.js';
import type { FileSource } from './source.js';

/** Where a `receive()` iteration is asked to go back to by `nack()`. */
export interface Rewind {
  readonly file: FileRef;
  readonly offset: number;
  readonly delayMs: number;
}

/** The per-iteration state a batch can act on. */
export interface Cursor {
  rewind: Rewind | undefined;
  /** The batch yielded last (over-long lines diverted after it extend it). */
  last: FileBatch | undefined;
}

/**
 * A batch of lines from one file. `ack(n)` checkpoints the end offset of message `n - 1`
 * (a full ack also covers over-long lines diverted after the last message); `nack()` makes
 * the iteration re-read from the first unacknowledged message.
 */
export class FileBatch implements InboundBatch {
  private acked = 0;

  constructor(
    readonly messages: readonly FileMessage[],
    private end: number,
    private readonly source: FileSource,
    private readonly cursor: Cursor,
  ) {}

  async ack(count: number = this.messages.length): Promise<void> {
    if (this.source.closed) throw closedError();
    const n = Math.min(Math.max(0, Math.floor(count)), this.messages.length);
    if (n === 0) return;
    const last = this.messages[n - 1] as FileMessage;
    if (n > this.acked) this.acked = n;
    const end = n === this.messages.length ? this.end : last.end;
    await this.source.commit(last.file, end, end === last.end ? tailOf(last) : undefined);
  }

  /**
   * Lines diverted to the dead-letter file right after this batch, with no message after them:
   * a full ack covers them too (so a restart does not divert them again), and if the batch was
   * already fully acknowledged, they are checkpointed now.
   */
  async extendTo(end: number): Promise<void> {
    if (end <= this.end || this.source.closed) return;
    this.end = end;
    const file = (this.messages[0] as FileMessage).file;
    if (this.acked === this.messages.length) await this.source.commit(file, end);
  }

  async nack(options?: { readonly retryAfterMs?: number }): Promise<void> {
    if (this.source.closed) throw closedError();
    const first = this.messages[this.acked];
    if (!first) return;
    this.cursor.rewind = {
      file: first.file,
      offset: first.start,
      delayMs: options?.retryAfterMs ?? 0,
    };
  }
}
