import type { InboundBatch, ReceiveOptions } from '@edgeplane/adapter-loop/transport';
import { badPosition, closedError } from './errors.js';
import { type StreamMessage, toInbound } from './message.js';
import type { StartOffset } from './options.js';
import type { Source } from './source.js';
import { sleep, waitAny } from './timing.js';

/** Where `nack()` asks the iteration to go back to. */
interface Cursor {
  rewind: { readonly offset: bigint; readonly delayMs: number } | undefined;
}

/**
 * A batch of consecutive stream messages. `ack(n)` stores the offset of message `n - 1` for the
 * consumer name (cumulative, durable when it resolves; it works after the iteration ended, until
 * `close()`); `nack()` makes the iteration continue from the first unacknowledged message.
 */
export class StreamBatch implements InboundBatch {
  private acked = 0;

  constructor(
    readonly messages: readonly StreamMessage[],
    private readonly source: Source,
    private readonly cursor: Cursor,
  ) {}

  async ack(count: number = this.messages.length): Promise<void> {
    if (this.source.closed) throw closedError();
    const n = Math.min(Math.max(0, Math.floor(count)), this.messages.length);
    if (n === 0) return;
    if (n > this.acked) this.acked = n;
    await this.source.commit((this.messages[n - 1] as StreamMessage).offset);
  }

  async nack(options?: { readonly retryAfterMs?: number }): Promise<void> {
    if (this.source.closed) throw closedError();
    const first = this.messages[this.acked];
    if (!first) return;
    this.cursor.rewind = { offset: first.offset, delayMs: options?.retryAfterMs ?? 0 };
  }
}

function startOf(from: string | undefined, source: Source): StartOffset {
  if (from === undefined) return source.defaultStart();
  if (!/^[0-9]{1,20}$/.test(from)) throw badPosition(from);
  return BigInt(from) + 1n;
}

/**
 * One `receive()` iteration: from `from` + 1, else after the stored offset, else where the
 * consumer first started (`offset`). Batches are cut from what the subscription buffered, at
 * most `batchMaxMessages` (and `maxBatchMessages`). When the connection is lost it waits for the
 * reconnection and resubscribes right after the last message it yielded: nothing is skipped,
 * nothing acknowledged on its behalf.
 */
export async function* receiveBatches(
  source: Source,
  options: ReceiveOptions,
): AsyncGenerator<InboundBatch> {
  const stop = AbortSignal.any([options.signal, source.closing.signal]);
  if (stop.aborted) return;
  await source.open();
  const generation = ++source.generation;
  const { batchMaxMessages, stream } = source.options;
  const max = Math.max(1, Math.min(batchMaxMessages, options.maxBatchMessages ?? batchMaxMessages));
  let start = startOf(options.from, source);
  const cursor: Cursor = { rewind: undefined };
  while (!stop.aborted && generation === source.generation) {
    // Given up for good (credentials refused, the stream deleted): the iterator throws it.
    if (source.link.fatal) throw source.link.fatal;
    const rewind = cursor.rewind;
    cursor.rewind = undefined;
    if (rewind) {
      start = rewind.offset;
      if (rewind.delayMs > 0) await sleep(rewind.delayMs, stop);
      continue;
    }
    const sub = await source.subscription(start, stop);
    if (!sub || stop.aborted) return;
    const taken = sub.take(max);
    if (taken.length === 0) {
      await waitAny([sub.changed, source.link.changes], { abort: stop });
      if (sub.dead) start = sub.position() ?? start;
      continue;
    }
    const messages = taken.map((m) => toInbound(stream, m));
    const first = messages[0] as StreamMessage;
    if (typeof start !== 'bigint') source.delivered(first.offset);
    start = (messages[messages.length - 1] as StreamMessage).offset + 1n;
    yield new StreamBatch(messages, source, cursor);
  }
}
