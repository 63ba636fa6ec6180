import { isUtf8 } from 'node:buffer';
import {
  type EdgeplaneError,
  type OutboundMessage,
  type RejectedMessage,
  type SendResult,
  sendFailed,
  sendPartial,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import type WebSocket from 'ws';
import { decodeControl, encodeData, encodeMeta, MAX_META_BYTES } from './envelope.js';
import {
  ackTimeout,
  closedByPeer,
  closedError,
  connectionDown,
  notUtf8,
  refusedByPeer,
  sendCancelled,
  tooLarge,
} from './errors.js';
import type { Link } from './link.js';
import type { ResolvedWebSocketOptions } from './options.js';

/** A batch waiting for its acks: sequences `first..last` of one connection. */
interface Waiter {
  readonly first: number;
  readonly last: number;
  /** Batch index of each sequence, from `first`. */
  readonly indexes: readonly number[];
  readonly rejected: RejectedMessage[];
  readonly settle: (result: SendResult) => void;
}

/** The sender's state of one connection: sequences restart at 1 on each. */
interface Conn {
  readonly ws: WebSocket;
  seq: number;
  acked: number;
  readonly waiters: Set<Waiter>;
}

/**
 * The TCP socket under a `ws` WebSocket (`_socket`, not part of ws's typed API), when it can be
 * corked; undefined otherwise (sending then works frame by frame).
 */
function corkable(ws: WebSocket): { cork(): void; uncork(): void } | undefined {
  const socket = (ws as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
  return typeof socket?.cork === 'function' && typeof socket.uncork === 'function'
    ? (socket as { cork(): void; uncork(): void })
    : undefined;
}

/** Longest wait for a connection that is being redialled before answering `retryable`, in ms. */
const READY_WAIT_MS = 1000;

/**
 * The egress: sends each message as one frame on the dialled connection. With `edgeplane.v1`, a
 * batch is `ok` once the peer acknowledged its last sequence (cumulative), `partial` for the
 * messages it refused (nack), `retryable` when the connection dropped first or `ackTimeoutMs`
 * passed. With `none`, `ok` once written to the socket (at-most-once).
 */
export class WebSocketSink {
  private conn: Conn | undefined;
  private readonly v1: boolean;
  private writing: Promise<void> = Promise.resolve();
  /** Messages of failed batches the peer had acked (see `remember`). */
  private readonly taken = new WeakSet<OutboundMessage>();
  private remembered = false;
  closed = false;

  constructor(
    private readonly options: ResolvedWebSocketOptions,
    private readonly link: () => Link | undefined,
  ) {
    this.v1 = options.ackProtocol !== 'none';
  }

  /** Called by the link with each new socket. */
  attach(ws: WebSocket): void {
    const conn: Conn = { ws, seq: 0, acked: 0, waiters: new Set() };
    this.conn = conn;
    ws.on('message', (data, isBinary) => {
      if (isBinary || !this.v1) return;
      const control = decodeControl(data.toString());
      if (!control) return;
      if ('ack' in control) {
        conn.acked = Math.max(conn.acked, control.ack);
        for (const w of conn.waiters)
          if (w.last <= conn.acked) {
            conn.waiters.delete(w);
            w.settle(sendPartial(w.rejected));
          }
        return;
      }
      for (const w of conn.waiters)
        if (control.nack >= w.first && control.nack <= w.last) {
          const index = w.indexes[control.nack - w.first] ?? 0;
          w.rejected.push({ index, error: refusedByPeer(index, control.code, control.reason) });
        }
    });
    ws.once('close', (code) => {
      if (this.conn === conn) this.conn = undefined;
      const error = closedByPeer(code, { server: this.link()?.server ?? '' });
      for (const w of conn.waiters)
        w.settle(error.retryable ? sendRetryable(error) : sendFailed(error));
      conn.waiters.clear();
    });
  }

  /** Sends one batch; never throws for remote failures (rule 3). */
  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.closed) return sendFailed(closedError());
    if (signal?.aborted) return sendRetryable(sendCancelled());
    const link = this.link();
    if (!link) return sendFailed(closedError());
    if (link.failure) return sendFailed(link.failure);
    await link.ready(READY_WAIT_MS, signal);
    const conn = this.conn;
    if (conn?.ws.readyState !== 1) {
      if (link.failure) return sendFailed(link.failure);
      return sendRetryable(connectionDown(link.server, link.last));
    }
    // Sequences of one batch are consecutive: concurrent sends write one after the other.
    const previous = this.writing;
    let release = () => {};
    this.writing = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    let outcome: () => Promise<SendResult>;
    try {
      outcome = await this.write(conn, link, batch, signal);
    } finally {
      release();
    }
    return outcome();
  }

  private async write(
    conn: Conn,
    link: Link,
    batch: readonly OutboundMessage[],
    signal?: AbortSignal,
  ): Promise<() => Promise<SendResult>> {
    const { maxPayload, highWaterMarkBytes } = this.options;
    const rejected: RejectedMessage[] = [];
    const indexes: number[] = [];
    const first = conn.seq + 1;
    const binary = this.v1 || this.options.frameType !== 'text';
    // Every frame's write callback counts down `pending`; `drained` wakes a wait for zero.
    let pending = 0;
    let writeError: Error | undefined;
    let drained: (() => void) | undefined;
    const written = (error?: Error | null) => {
      if (error) writeError ??= error;
      if (--pending === 0) drained?.();
    };
    const flush = () =>
      pending === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            drained = resolve;
          });
    // One write system call per batch rather than per frame: the frames of a batch are written
    // to the corked TCP socket and flushed together (uncorked before any wait, and at the end).
    const socket = corkable(conn.ws);
    socket?.cork();
    for (let index = 0; index < batch.length; index++) {
      const message = batch[index] as OutboundMessage;
      if (this.remembered && this.taken.has(message)) continue; // acked before a failure
      const size = message.body.byteLength;
      if (size > maxPayload) {
        rejected.push({ index, error: tooLarge(index, size, maxPayload, 'a body') });
        continue;
      }
      let frame: Uint8Array;
      if (this.v1) {
        const meta = encodeMeta(message.key, message.headers);
        if (meta && meta.byteLength > MAX_META_BYTES) {
          rejected.push({
            index,
            error: tooLarge(index, meta.byteLength, MAX_META_BYTES, 'a key and headers'),
          });
          continue;
        }
        frame = encodeData(++conn.seq, meta, message.body);
        indexes.push(index);
      } else {
        if (this.options.frameType === 'text' && !isUtf8(message.body)) {
          rejected.push({ index, error: notUtf8(index) });
          continue;
        }
        frame = message.body;
      }
      pending++;
      conn.ws.send(frame, { binary }, written);
      // Backpressure: over the high-water mark, wait until the socket took what is buffered.
      if (conn.ws.bufferedAmount > highWaterMarkBytes) {
        socket?.uncork();
        await flush();
        if (conn.ws.readyState !== 1) break;
        socket?.cork();
      }
    }
    socket?.uncork();
    if (!this.v1) {
      await flush();
      const result =
        writeError || conn.ws.readyState !== 1
          ? sendRetryable(connectionDown(link.server, link.last))
          : sendPartial(rejected);
      return () => Promise.resolve(result);
    }
    return () =>
      this.acks(conn, first, indexes, rejected, signal).then((result) => {
        if (result.status === 'retryable') this.remember(conn, first, indexes, batch);
        return result;
      });
  }

  /**
   * A batch that failed after the peer acked part of it: the loop sends the whole batch again,
   * so the acked prefix is remembered (by message object, weakly) and skipped then, instead of
   * being delivered twice.
   */
  private remember(
    conn: Conn,
    first: number,
    indexes: readonly number[],
    batch: readonly OutboundMessage[],
  ): void {
    const upTo = Math.min(conn.acked, first + indexes.length - 1);
    for (let seq = first; seq <= upTo; seq++) {
      const message = batch[indexes[seq - first] as number];
      if (message) this.taken.add(message);
      this.remembered = true;
    }
  }

  private acks(
    conn: Conn,
    first: number,
    indexes: readonly number[],
    rejected: RejectedMessage[],
    signal?: AbortSignal,
  ): Promise<SendResult> {
    const last = first + indexes.length - 1;
    if (indexes.length === 0 || conn.acked >= last) return Promise.resolve(sendPartial(rejected));
    if (conn.ws.readyState !== 1) {
      const link = this.link();
      return Promise.resolve(sendRetryable(connectionDown(link?.server ?? '', link?.last)));
    }
    return new Promise<SendResult>((resolve) => {
      const timer = setTimeout(() => {
        settle(sendRetryable(ackTimeoutError()));
      }, this.options.ackTimeoutMs);
      const ackTimeoutError = (): EdgeplaneError =>
        ackTimeout(this.link()?.server ?? '', this.options.ackTimeoutMs, last - conn.acked);
      const onAbort = () => settle(sendRetryable(sendCancelled()));
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter = { first, last, indexes, rejected, settle: (r) => settle(r) };
      const settle = (result: SendResult) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        conn.waiters.delete(waiter);
        resolve(result);
      };
      conn.waiters.add(waiter);
    });
  }
}
