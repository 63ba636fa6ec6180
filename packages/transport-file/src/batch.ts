import type { InboundBatch } from '@edgeplane/adapter-loop/transport';
import { closedError } from './errors.js';
import type { FileMessage, FileRef } from './message.js';
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
    private readonly end: number,
    private readonly source: FileSource,
    private readonly cursor: Cursor,
  ) {}

  async ack(count: number = this.messages.length): Promise<void> {
    if (this.source.closed) throw closedError();
    const n = Math.min(Math.max(0, Math.floor(count)), this.messages.length);
    if (n === 0) return;
    const last = this.messages[n - 1] as FileMessage;
    if (n > this.acked) this.acked = n;
    await this.source.commit(last.file, n === this.messages.length ? this.end : last.end);
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
