import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import type { MsgHdrs } from 'nats';
import { fromNatsHeaders } from './headers.js';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** What a received NATS message offers (core `Msg` and JetStream `JsMsg` alike). */
export interface RawMessage {
  readonly data: Uint8Array;
  readonly headers?: MsgHdrs | undefined;
}

/**
 * An inbound message: `id`, `position` and `origin` (for an operator: `stream ORDERS sequence 42
 * (subject orders.x)`, `subject logs.x message 7`) given by the caller, key and headers decoded.
 */
export function inbound(
  raw: RawMessage,
  id: string,
  position: string | undefined,
  keyHeader: string,
  origin?: string,
): InboundMessage {
  if (!raw.headers) return { id, position, origin, headers: NO_HEADERS, body: raw.data };
  const { headers, key } = fromNatsHeaders(raw.headers, keyHeader);
  return key === undefined
    ? { id, position, origin, headers, body: raw.data }
    : { id, position, origin, key, headers, body: raw.data };
}

/** `stream ORDERS sequence 42 (subject orders.x)`. */
export function streamOrigin(
  stream: string | undefined,
  seq: number,
  subject: string | undefined,
): string {
  const at = `stream ${stream ?? '?'} sequence ${seq}`;
  return subject ? `${at} (subject ${subject})` : at;
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

/** A FIFO of items with O(1) shift, for received-but-not-yielded messages. */
export class Queue<T> {
  private items: T[] = [];
  private head = 0;
  private wakers: (() => void)[] = [];

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.wakers.length > 0) this.wake();
  }

  /** Puts items back at the front, in order (a nack of messages not yet acknowledged). */
  unshift(items: readonly T[]): void {
    this.items = [...items, ...this.items.slice(this.head)];
    this.head = 0;
    this.wake();
  }

  /** Takes up to `max` items from the front. */
  take(max: number): T[] {
    const n = Math.min(max, this.length);
    const out = this.items.slice(this.head, this.head + n);
    this.head += n;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Everything still queued (removed). */
  clear(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }

  /** Each queued item, without removing it. */
  forEach(fn: (item: T) => void): void {
    for (let i = this.head; i < this.items.length; i++) fn(this.items[i] as T);
  }

  /** Resolves when an item arrives, `wake()` is called, or `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakers.push(done);
      signal.addEventListener('abort', done);
    });
  }

  /** Wakes every waiter. */
  wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }
}
