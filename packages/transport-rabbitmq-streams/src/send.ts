import type { Socket } from 'node:net';
import {
  type EdgeplaneError,
  type OutboundMessage,
  type RejectedMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendPartial,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import { StreamProtocolError } from './compat.js';
import {
  bodyTooLarge,
  cancelledError,
  closedError,
  streamError,
  timedOut,
  tooLarge,
} from './errors.js';
import { encodeFrames, frameBytesOf, type Prepared, prepare } from './frame.js';
import type { Link } from './link.js';
import type { ResolvedRabbitmqStreamsOptions } from './options.js';
import type { PublisherHandle, Session } from './session.js';
import { Signal, waitAny } from './timing.js';

/**
 * Largest body declared: the broker's default `frame_max` (1 MiB) less 4 KiB for the key,
 * headers and framing. A body over it, or a message that does not fit in the negotiated frame,
 * is rejected alone (`too-large`).
 */
export const MAX_BODY_BYTES: number = 1024 * 1024 - 4096;

/** The confirms one batch waits for: ids `firstId … firstId + count - 1`. */
class Pending {
  readonly done: Signal = new Signal();
  private readonly seen: Uint8Array;
  private left: number;
  /** Publish errors: index in the batch → response code. */
  readonly refused: Map<number, number> = new Map();

  constructor(
    readonly publisherId: number,
    readonly connectionId: string,
    readonly firstId: bigint,
    count: number,
    readonly skip: number,
  ) {
    this.seen = new Uint8Array(count);
    this.seen.fill(1, 0, skip);
    this.left = count - skip;
  }

  /** Every message is confirmed or refused. */
  get settled(): boolean {
    return this.left === 0;
  }

  private index(id: bigint): number {
    const i = id - this.firstId;
    return i >= 0n && i < BigInt(this.seen.length) ? Number(i) : -1;
  }

  confirm(ids: readonly bigint[]): void {
    for (const id of ids) {
      const i = this.index(id);
      if (i >= 0 && this.seen[i] === 0) {
        this.seen[i] = 1;
        this.left--;
      }
    }
    if (this.settled) this.done.fire();
  }

  refuse(id: bigint, code: number): void {
    const i = this.index(id);
    if (i < 0 || this.seen[i] === 1) return;
    this.seen[i] = 1;
    this.left--;
    this.refused.set(i, code);
    if (this.settled) this.done.fire();
  }
}

const STREAM_DOES_NOT_EXIST = 0x02;

/**
 * What the broker's publish errors (one per publishing id) make of a batch: `ok` without any;
 * `retryable` for the whole batch if one of them may pass later (the publisher is unknown after
 * a reconnection, the stream is not available: resent with the same ids, the broker drops what
 * it has); `deleted` when the stream no longer exists; else `partial`, each refused message alone
 * with its own permanent error (a poison message fails alone).
 */
export function refusalOutcome(
  refused: ReadonlyMap<number, number>,
  where: string,
):
  | { kind: 'ok' }
  | { kind: 'deleted' }
  | { kind: 'retryable'; error: EdgeplaneError }
  | {
      kind: 'partial';
      rejected: RejectedMessage[];
    } {
  if (refused.size === 0) return { kind: 'ok' };
  const rejected: RejectedMessage[] = [];
  for (const [index, code] of [...refused].sort((a, b) => a[0] - b[0])) {
    if (code === STREAM_DOES_NOT_EXIST) return { kind: 'deleted' };
    const error = streamError(
      new StreamProtocolError('publish refused', code),
      `publish message ${index} of the batch`,
      where,
    );
    if (error.retryable) return { kind: 'retryable', error };
    rejected.push({ index, error });
  }
  return { kind: 'partial', rejected };
}

/** Resolves on the socket's `drain`, or when the link changes (the socket may be gone). */
function drained(socket: Socket, changes: Signal): Promise<void> {
  const drain = new Signal();
  const onDrain = () => drain.fire();
  socket.once('drain', onDrain);
  return waitAny([drain, changes]).finally(() => socket.off('drain', onDrain));
}

const asResult = (error: EdgeplaneError, retryAfterMs?: number): SendResult =>
  error.retryable ? sendRetryable(error, retryAfterMs) : sendFailed(error);

/**
 * The egress: one named publisher per session. Publishing ids increase monotonically from the
 * last id the broker stored for `publisherRef` (queried on every (re)connection; nothing is
 * persisted locally). A batch that failed retryably keeps its ids when it is sent again, so the
 * broker drops what it already has; `send` resolves `ok` only when every message is confirmed.
 */
export class Sink {
  private publisher: PublisherHandle | undefined;
  private lastId = 0n;
  private active: Promise<void> | undefined;
  private registered = false;
  private chain: Promise<unknown> = Promise.resolve();
  private retry: { batch: readonly OutboundMessage[]; firstId: bigint } | undefined;
  private pending: Pending | undefined;
  /** The messages of a batch that are published, when some were rejected (kept for retries). */
  private readonly subsets = new WeakMap<readonly OutboundMessage[], readonly OutboundMessage[]>();
  closed = false;

  constructor(
    private readonly link: Link,
    private readonly options: ResolvedRabbitmqStreamsOptions,
  ) {}

  /** Declares the publisher now and on every later session (idempotent). */
  open(): Promise<void> {
    if (!this.registered) {
      this.registered = true;
      this.link.addSetup((session) => this.declare(session));
    }
    this.active ??= this.link
      .open()
      .then(() => {
        // After a loss the next session runs the setup itself.
        const session = this.link.current();
        return session && this.publisher?.session !== session ? this.declare(session) : undefined;
      })
      .catch((error: unknown) => {
        this.active = undefined;
        throw error;
      });
    return this.active;
  }

  private async declare(session: Session): Promise<void> {
    const handle = await session.declarePublisher(this.options.publisherRef);
    if (handle.lastId > this.lastId) this.lastId = handle.lastId;
    this.publisher = handle;
  }

  /** A publish confirm from the broker (any publisher of any session: filtered here). */
  onConfirm(publisherId: number, connectionId: string, ids: readonly bigint[]): void {
    const p = this.pending;
    if (p && p.publisherId === publisherId && p.connectionId === connectionId) p.confirm(ids);
  }

  onPublishError(publisherId: number, connectionId: string, id: bigint, code: number): void {
    const p = this.pending;
    if (p && p.publisherId === publisherId && p.connectionId === connectionId) p.refuse(id, code);
  }

  /** Sends one batch (batches are serialized); see the class comment. */
  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    const run = this.chain.then(() => this.sendNow(batch, signal));
    this.chain = run.catch(() => {});
    return run;
  }

  private async sendNow(
    batch: readonly OutboundMessage[],
    signal?: AbortSignal,
  ): Promise<SendResult> {
    const where = this.link.target.where;
    if (this.closed) return sendFailed(closedError());
    if (this.link.fatal) return sendFailed(this.link.fatal);
    if (signal?.aborted) return sendFailed(cancelledError());
    if (batch.length === 0) return sendOk();
    try {
      await this.link.open();
      await this.open();
    } catch (error) {
      return asResult(streamError(error, 'publish', where), this.link.retryAfterMs());
    }
    const session = this.link.current();
    if (!session) return this.down('publish');
    if (this.publisher?.session !== session) {
      // A session made while this sink was being opened may lack the publisher: declare it.
      try {
        await this.declare(session);
      } catch (error) {
        return asResult(
          streamError(error, 'declare the publisher', where),
          this.link.retryAfterMs(),
        );
      }
    }
    const publisher = this.publisher as PublisherHandle;
    if (publisher.session !== session || session.lost) return this.down('publish');
    // A message that does not fit in the negotiated frame fails alone (`partial`): the others
    // are published. The sent subset is cached per batch so a retry keeps its publishing ids.
    const prepared: Prepared[] = [];
    const rejected: RejectedMessage[] = [];
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i] as OutboundMessage;
      const bytes = m.bodyLength ?? m.body.byteLength;
      if (bytes > MAX_BODY_BYTES) {
        rejected.push({ index: i, error: bodyTooLarge(i, bytes, MAX_BODY_BYTES) });
        continue;
      }
      const p = prepare(m);
      if (frameBytesOf(p) > session.frameMax) {
        rejected.push({ index: i, error: tooLarge(i, frameBytesOf(p), session.frameMax) });
      } else prepared.push(p);
    }
    if (rejected.length > 0) {
      let subset = this.subsets.get(batch);
      if (!subset) {
        const refused = new Set(rejected.map((r) => r.index));
        subset = batch.filter((_, i) => !refused.has(i));
        this.subsets.set(batch, subset);
      }
      if (subset.length === 0) return sendPartial(rejected);
      const result = await this.publishBatch(subset, prepared, session, publisher, signal);
      if (result.status === 'ok') return sendPartial(rejected);
      if (result.status !== 'partial') return result;
      // Indices of the broker's refusals are in the subset: back to the batch's.
      const kept = batch.map((_, i) => i).filter((i) => !rejected.some((r) => r.index === i));
      const more = result.rejected.map((r) => ({ ...r, index: kept[r.index] as number }));
      return sendPartial([...rejected, ...more].sort((a, b) => a.index - b.index));
    }
    return this.publishBatch(batch, prepared, session, publisher, signal);
  }

  /** `retryable` naming the last connection error while reconnecting; `failed` once given up. */
  private down(action: string): SendResult {
    const error = this.link.down(action);
    return error.retryable ? sendRetryable(error, this.link.retryAfterMs()) : sendFailed(error);
  }

  /** Publishes `prepared` (the messages of `batch`) and waits for every confirm. */
  private async publishBatch(
    batch: readonly OutboundMessage[],
    prepared: readonly Prepared[],
    session: Session,
    publisher: PublisherHandle,
    signal: AbortSignal | undefined,
  ): Promise<SendResult> {
    const firstId = this.retry?.batch === batch ? this.retry.firstId : this.lastId + 1n;
    if (firstId > this.lastId) this.lastId = firstId + BigInt(batch.length) - 1n;
    this.retry = { batch, firstId };
    const stored = this.options.publisherRef ? publisher.lastId - firstId + 1n : 0n;
    const skip = Number(
      stored < 0n ? 0n : stored > BigInt(batch.length) ? BigInt(batch.length) : stored,
    );
    const pending = new Pending(
      publisher.publisherId,
      publisher.connection.connectionId,
      firstId,
      batch.length,
      skip,
    );
    this.pending = pending;
    const result = await this.publish(session, publisher, pending, prepared, signal);
    this.pending = undefined;
    if (result.status === 'ok' || result.status === 'partial') this.retry = undefined;
    return result;
  }

  private async publish(
    session: Session,
    publisher: PublisherHandle,
    pending: Pending,
    prepared: readonly Prepared[],
    signal: AbortSignal | undefined,
  ): Promise<SendResult> {
    const where = this.link.target.where;
    const lost = () => this.down('publish');
    const socket = publisher.connection.socket;
    const frames = encodeFrames(
      publisher.publisherId,
      pending.firstId,
      prepared,
      session.frameMax,
      pending.skip,
    );
    for (const frame of frames) {
      if (session.lost || !socket.writable) return lost();
      if (!socket.write(frame)) await drained(socket, this.link.changes);
    }
    const { confirmTimeoutMs } = this.options;
    const until = Date.now() + confirmTimeoutMs;
    while (!pending.settled) {
      const left = until - Date.now();
      if (this.closed) return sendFailed(closedError());
      if (session.lost) return lost();
      if (signal?.aborted) return sendFailed(cancelledError());
      if (left <= 0) {
        const error = timedOut('confirm the published batch', where, confirmTimeoutMs);
        // The connection may be half-open: the retry goes to a new one (same ids: no duplicates).
        session.markLost(error);
        return sendRetryable(error, this.link.retryAfterMs());
      }
      await waitAny([pending.done, this.link.changes], { abort: signal, timeoutMs: left });
    }
    const outcome = refusalOutcome(pending.refused, where);
    switch (outcome.kind) {
      case 'ok':
        return sendOk();
      case 'retryable':
        return sendRetryable(outcome.error, this.link.retryAfterMs());
      case 'partial':
        return sendPartial(outcome.rejected);
      case 'deleted': {
        this.link.fail(this.link.deleted('a publish was refused: the stream does not exist'));
        return this.down('publish');
      }
    }
  }
}
