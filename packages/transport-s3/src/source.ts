import { CopyObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import {
  EdgeplaneError,
  type InboundBatch,
  type InboundMessage,
  type ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import type { S3Connection } from './client.js';
import { COMPONENT, closedError, s3Error } from './errors.js';
import { Checkpoint, type Cursor, compareCursors, parsePosition } from './position.js';
import { listPage, type RawMessage, readLines, readWhole } from './read.js';

/** Where the reader goes on: in `key` from `offset`, unless `done` (then the keys after it). */
interface Resume extends Cursor {
  readonly done: boolean;
}

const compareKeys = (a: string, b: string): number =>
  compareCursors({ key: a, offset: 0 }, { key: b, offset: 0 });

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * The source side: reads the objects under the prefix in key order from the checkpoint (or
 * `receive({ from })`, or `startAfter`), hands out batches, moves the checkpoint on `ack` and
 * deletes or moves finished objects (`afterAck`). Retryable failures are retried with backoff
 * (the snapshot shows `reconnecting`); a permanent one ends `receive()` by throwing it.
 */
export class S3Source {
  readonly checkpoint: Checkpoint;
  private loaded = false;
  /** Set by `nack()`: where the reader must go back to (the first unacknowledged message). */
  private rewind: { cursor: Cursor; afterMs: number } | undefined;
  /** Messages handed out so far: each message's ordinal is its batch's base plus its index. */
  private delivered = 0;
  /**
   * Objects whose last message was handed out and not yet acknowledged, in delivery order. The
   * loop acknowledges cumulatively (an ack of a later batch covers every earlier one, whose own
   * `ack` may never be called), so `afterAck` finishes every object up to the acknowledged
   * ordinal, not only those of the batch acked.
   */
  private unfinished: { readonly ordinal: number; readonly key: string }[] = [];
  private readonly closing = new AbortController();

  constructor(
    readonly conn: S3Connection,
    stateDir: string | undefined,
  ) {
    this.checkpoint = new Checkpoint(stateDir, conn.options.bucket, conn.options.prefix);
  }

  /** Reads the checkpoint (once). @throws EdgeplaneError `invalid-config` for another bucket/prefix. */
  async open(): Promise<void> {
    if (this.loaded) return;
    await this.checkpoint.load();
    this.loaded = true;
  }

  close(): Promise<void> {
    this.closing.abort();
    return this.checkpoint.close();
  }

  async *receive(options: ReceiveOptions): AsyncGenerator<InboundBatch> {
    if (this.conn.closed) return;
    await this.open();
    const signal = AbortSignal.any([options.signal, this.closing.signal]);
    const o = this.conn.options;
    const maxBatch = Math.max(
      1,
      Math.min(options.maxBatchMessages ?? o.batchMaxMessages, o.batchMaxMessages),
    );
    const start =
      options.from !== undefined ? parsePosition(options.from) : this.checkpoint.current;
    let resume: Resume | undefined = start ? { ...start, done: false } : undefined;
    // The last key read to its end, messages or not (an empty object yields none): the next
    // listing starts after it.
    let finished: string | undefined;
    const seen = (key: string) => {
      finished = key;
    };
    let delay = 100;
    while (!signal.aborted) {
      if (
        finished !== undefined &&
        (!resume || (resume.done && compareKeys(finished, resume.key) > 0))
      )
        resume = { key: finished, offset: 0, done: true };
      try {
        let rewound = false;
        for await (const raw of this.scan(resume, maxBatch, signal, seen)) {
          const last = raw[raw.length - 1] as RawMessage;
          resume = { key: last.objectKey, offset: last.end, done: last.last };
          this.conn.ok();
          delay = 100;
          yield this.batch(raw);
          if (this.rewind) {
            const { cursor, afterMs } = this.rewind;
            this.rewind = undefined;
            resume = { ...cursor, done: false };
            finished = undefined;
            if (afterMs > 0) await sleep(afterMs, signal);
            rewound = true;
            break;
          }
        }
        if (rewound || signal.aborted) continue;
        this.conn.ok();
        if (!o.follow) return;
        await sleep(o.pollIntervalMs, signal);
      } catch (error) {
        if (signal.aborted) return;
        const e = EdgeplaneError.from(error, COMPONENT);
        this.conn.failed(e);
        if (!e.retryable) throw e;
        await sleep(delay + Math.floor(Math.random() * delay * 0.2), signal);
        delay = Math.min(delay * 2, o.reconnectMaxDelayMs);
      }
    }
  }

  /** The messages from `resume` on: the rest of its object, then each object listed after it. */
  private async *scan(
    resume: Resume | undefined,
    maxBatch: number,
    signal: AbortSignal,
    seen: (key: string) => void,
  ): AsyncGenerator<RawMessage[]> {
    const o = this.conn.options;
    let after = resume?.key ?? o.startAfter;
    if (resume && !resume.done) {
      yield* this.readObject(resume.key, resume.offset, maxBatch, signal);
      seen(resume.key);
    }
    for (;;) {
      const page = await listPage(this.conn, after, signal);
      for (const object of page.objects) {
        if (signal.aborted) return;
        yield* this.readObject(object.key, 0, maxBatch, signal);
        after = object.key;
        seen(object.key);
      }
      if (!page.more || page.objects.length === 0) return;
    }
  }

  private async *readObject(
    key: string,
    from: number,
    maxBatch: number,
    signal: AbortSignal,
  ): AsyncGenerator<RawMessage[]> {
    if (this.conn.options.framing === 'object') {
      const whole = await readWhole(this.conn, key, from, signal);
      if (whole) yield [whole];
      return;
    }
    yield* readLines(this.conn, key, from, maxBatch, signal);
  }

  private batch(raw: RawMessage[]): InboundBatch {
    const messages: readonly InboundMessage[] = raw;
    const base = this.delivered;
    this.delivered += raw.length;
    raw.forEach((m, i) => {
      if (m.last) this.unfinished.push({ ordinal: base + i, key: m.objectKey });
    });
    let acked = 0;
    return {
      messages,
      ack: async (count = raw.length) => {
        if (this.conn.closed) throw closedError();
        const n = Math.min(Math.max(0, count), raw.length);
        if (n <= acked) return;
        acked = n;
        const m = raw[n - 1] as RawMessage;
        await this.checkpoint.advance({ key: m.objectKey, offset: m.end });
        const upTo = base + n;
        while (this.unfinished.length > 0 && (this.unfinished[0]?.ordinal ?? upTo) < upTo) {
          const next = this.unfinished.shift() as { key: string };
          await this.finish(next.key);
        }
      },
      nack: async (nackOptions) => {
        if (this.conn.closed) return;
        const first = raw[acked];
        if (!first) return;
        // What is handed back comes again with new ordinals: forget its objects here.
        this.unfinished = this.unfinished.filter((u) => u.ordinal < base + acked);
        this.rewind = {
          cursor: { key: first.objectKey, offset: first.start },
          afterMs: nackOptions?.retryAfterMs ?? 0,
        };
      },
    };
  }

  /** `afterAck`: deletes the finished object, or copies it under `moveToPrefix` first. */
  private async finish(key: string): Promise<void> {
    const o = this.conn.options;
    if (o.afterAck === 'none') return;
    const client = await this.conn.prepare();
    try {
      if (o.afterAck === 'move' && o.moveToPrefix !== undefined) {
        const target = o.moveToPrefix + key.slice(o.prefix.length);
        const source = `${o.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
        await client.send(
          new CopyObjectCommand({ Bucket: o.bucket, Key: target, CopySource: source }),
        );
      }
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key }));
    } catch (error) {
      throw s3Error(error, {
        action: `${o.afterAck} acknowledged object "${key}"`,
        server: this.conn.server.label,
      });
    }
  }

  /**
   * Bytes left after the checkpoint: the objects listed after it plus the rest of its object
   * (decoded offsets of gzip objects are not comparable to their size: counted whole). Lists
   * at most 10 pages (10 000 objects); past that, or on an error, null.
   */
  async lagBytes(signal: AbortSignal): Promise<{ bytes: number; objects: number } | null> {
    const at = this.checkpoint.current;
    let after = at?.key ?? this.conn.options.startAfter;
    let bytes = 0;
    let objects = 0;
    if (at) {
      const page = await listPage(this.conn, at.key.slice(0, -1), signal, 1).catch(() => undefined);
      const current = page?.objects[0];
      if (current?.key === at.key && !at.key.endsWith('.gz'))
        bytes += Math.max(0, current.size - at.offset);
    }
    for (let pages = 0; pages < 10; pages++) {
      const page = await listPage(this.conn, after, signal);
      for (const object of page.objects) {
        bytes += object.size;
        objects++;
        after = object.key;
      }
      if (!page.more || page.objects.length === 0) return { bytes, objects };
    }
    return null;
  }
}
