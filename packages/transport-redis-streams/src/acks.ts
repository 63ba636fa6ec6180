import type { EdgeplaneError, InboundBatch } from '@edgeplane/adapter-loop/transport';
import { type Connections, usable, whenReady } from './connection.js';
import { closedError, commandTimeout, notReplicated, replyCode } from './errors.js';
import type { StreamMessage } from './fields.js';
import type { ResolvedRedisStreamsOptions } from './options.js';
import { withTimeout } from './send.js';

/** Most ids per `XACK` command (a long acknowledgement is split, in one pipeline). */
const XACK_IDS = 8192;

/** Where a `nack()` sends the reader back: re-read this consumer's pending entries after `after`. */
export interface Rewind {
  readonly after: string;
  readonly delayMs: number;
}

/** A batch from `receive()`: acknowledged through its ledger, cumulatively in yield order. */
export class StreamBatch implements InboundBatch {
  /** Messages `[0, acked)` are acknowledged. */
  acked = 0;
  /** Given back by `nack()`: its unacknowledged rest is no longer in flight. */
  released = false;

  constructor(
    readonly messages: readonly StreamMessage[],
    private readonly ledger: AckLedger,
  ) {}

  ack(count?: number): Promise<void> {
    return this.ledger.ack(this, count ?? this.messages.length);
  }

  nack(options?: { readonly retryAfterMs?: number }): Promise<void> {
    return this.ledger.nack(this, options?.retryAfterMs ?? 0);
  }
}

/** The entry id just before `id` (`5-0` → `4-18446744073709551615`), for "re-read from `id` on". */
export function previousId(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  const s = BigInt(seq);
  if (s > 0n) return `${ms}-${s - 1n}`;
  const m = BigInt(ms);
  return m > 0n ? `${m - 1n}-18446744073709551615` : '0-0';
}

/** Compares two entry ids (`ms-seq`) numerically: negative when `a` comes first. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = BigInt(am) - BigInt(bm) || BigInt(as) - BigInt(bs);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * Where the group could be recreated without losing or replaying anything acknowledged: every
 * entry up to this id is acknowledged in the group. Kept by the source (read at open, then after
 * each ack from the `XPENDING` summary sent with the `XACK`).
 */
export interface ResumePoint {
  resumeAt: string | undefined;
}

/**
 * The acknowledgements of one `receive()` iteration. Batches are kept in yield order until fully
 * acknowledged; `ack(n)` on a batch acknowledges the first `n` of its messages **and** whatever is
 * still unacknowledged in the batches yielded before it (acks are cumulative: the transport
 * declares total ordering, and the loop coalesces). Acks run one at a time, in call order; each
 * resolves on the `XACK` reply (plus `WAIT`, with `waitReplicas`). An ack given while the
 * connection is down is held until it is back (XACK is idempotent, and the loop cannot retry an
 * ack), or rejected with `closed` by `close()`. Acks keep working after the iteration ended.
 */
export class AckLedger {
  private queue: StreamBatch[] = [];
  private head = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Set by `nack()`, taken by the reader. */
  rewind: Rewind | undefined;
  private readonly action: string;

  constructor(
    private readonly options: ResolvedRedisStreamsOptions,
    private readonly connections: Connections,
    private readonly resume: ResumePoint = { resumeAt: undefined },
  ) {
    this.action = `XACK in group ${JSON.stringify(options.group)} of stream ${JSON.stringify(options.stream)}`;
  }

  /** A batch about to be yielded. */
  batch(messages: readonly StreamMessage[]): StreamBatch {
    const batch = new StreamBatch(messages, this);
    this.queue.push(batch);
    return batch;
  }

  /** Ids yielded and neither acknowledged nor given back (the reader skips these when re-reading). */
  inFlight(): Set<string> {
    const ids = new Set<string>();
    for (let i = this.head; i < this.queue.length; i++) {
      const b = this.queue[i] as StreamBatch;
      if (b.released) continue;
      for (let j = b.acked; j < b.messages.length; j++)
        ids.add((b.messages[j] as StreamMessage).id);
    }
    return ids;
  }

  ack(batch: StreamBatch, count: number): Promise<void> {
    if (this.connections.closed) return Promise.reject(closedError());
    const n = Math.max(0, Math.min(Math.floor(count), batch.messages.length));
    const done = this.chain.then(() => this.acknowledge(batch, n));
    this.chain = done.catch(() => {});
    return done;
  }

  async nack(batch: StreamBatch, delayMs: number): Promise<void> {
    if (this.connections.closed) throw closedError();
    await this.chain;
    if (batch.released || batch.acked >= batch.messages.length) return;
    batch.released = true;
    const first = batch.messages[batch.acked] as StreamMessage;
    this.rewind = { after: previousId(first.id), delayMs };
  }

  private async acknowledge(batch: StreamBatch, n: number): Promise<void> {
    if (this.connections.closed) throw closedError();
    if (n <= batch.acked) return;
    const ids: string[] = [];
    const at = this.queue.indexOf(batch, this.head);
    if (at >= 0) {
      for (let i = this.head; i < at; i++) {
        const b = this.queue[i] as StreamBatch;
        if (b.released) continue; // given back: its rest is being read again
        for (let j = b.acked; j < b.messages.length; j++)
          ids.push((b.messages[j] as StreamMessage).id);
      }
    }
    for (let j = batch.acked; j < n; j++) ids.push((batch.messages[j] as StreamMessage).id);
    await this.xack(ids);
    if (at >= 0) {
      for (let i = this.head; i < at; i++) {
        const b = this.queue[i] as StreamBatch;
        if (!b.released) b.acked = b.messages.length;
      }
      this.head = at;
    }
    batch.acked = n;
    while (this.head < this.queue.length) {
      const b = this.queue[this.head] as StreamBatch;
      if (b.acked < b.messages.length && !b.released) break;
      this.head++;
    }
    if (this.head >= 64 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Moves the resume point from an `XPENDING` summary `[count, min, max, consumers]`. */
  private advance(ids: readonly string[], summary: unknown): void {
    if (!Array.isArray(summary)) return;
    const count = Number(summary[0]);
    if (count > 0 && typeof summary[1] === 'string') {
      this.resume.resumeAt = previousId(summary[1]);
      return;
    }
    if (count !== 0) return;
    // Nothing pending in the group: everything delivered, so all up to our highest id, is acked.
    let top = this.resume.resumeAt;
    for (const id of ids) if (top === undefined || compareIds(id, top) > 0) top = id;
    this.resume.resumeAt = top;
  }

  /** `XACK` (and `WAIT`), held while the connection is down; rejects with `closed` on close. */
  private async xack(ids: readonly string[]): Promise<void> {
    const { options, connections } = this;
    const client = connections.cmd;
    for (;;) {
      if (connections.closed) throw closedError();
      if (connections.fatal) throw connections.fatal;
      if (!(await whenReady(client, connections.halted.signal)))
        throw connections.fatal ?? closedError();
      const pipeline = client.pipeline();
      for (let i = 0; i < ids.length; i += XACK_IDS)
        pipeline.call('XACK', options.stream, options.group, ...ids.slice(i, i + XACK_IDS));
      // The group's PEL summary right after: where it could be recreated (`ResumePoint`).
      pipeline.call('XPENDING', options.stream, options.group);
      if (options.waitReplicas > 0)
        pipeline.call('WAIT', options.waitReplicas, options.waitTimeoutMs);
      let failure: EdgeplaneError | undefined;
      try {
        const replies = await withTimeout(pipeline.exec(), options.commandTimeoutMs);
        if (replies === undefined) {
          failure = commandTimeout(
            { action: this.action, server: connections.server },
            options.commandTimeoutMs,
          );
        } else {
          const bad = replies?.find(([e]) => e);
          // The group is gone (deleted, or a server restart without persistence): nothing is
          // left to acknowledge; the reader recreates it at the resume point, which redelivers
          // these entries rather than losing them.
          if (bad && replyCode(bad[0]) === 'NOGROUP') return;
          if (bad) failure = connections.error(client, bad[0], this.action);
          else if (!replies) failure = connections.down(client, this.action);
          else if (options.waitReplicas > 0) {
            const got = Number(replies[replies.length - 1]?.[1]);
            if (got < options.waitReplicas) {
              failure = notReplicated(
                { action: this.action, server: connections.server },
                got,
                options.waitReplicas,
              );
            }
          }
          if (replies && !failure)
            this.advance(ids, replies[Math.ceil(ids.length / XACK_IDS)]?.[1]);
        }
      } catch (error) {
        failure = connections.error(client, error, this.action);
      }
      if (!failure) return;
      if (!failure.retryable || connections.closed) throw failure;
      // The connection dropped (or the server was busy) mid-XACK: wait for it, then repeat.
      if (usable(client)) await new Promise((r) => setTimeout(r, 100));
    }
  }
}
