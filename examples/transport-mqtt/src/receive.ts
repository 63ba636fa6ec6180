import {
  EdgeplaneError,
  type InboundBatch,
  type InboundMessage,
} from '@edgeplane/adapter-loop/transport';
import type { IPublishPacket } from 'mqtt';
import { ID_PROPERTY, KEY_PROPERTY } from './send.js';

/** A message mqtt.js handed over; `release` sends its PUBACK (and lets mqtt.js hand over the next). */
interface Held {
  readonly message: InboundMessage;
  readonly release: () => void;
  acked: boolean;
}

function toMessage(packet: IPublishPacket): InboundMessage {
  const headers: Record<string, string> = {};
  let id: string | undefined;
  let key: string | undefined;
  for (const [name, value] of Object.entries(packet.properties?.userProperties ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    if (name === ID_PROPERTY) id = last;
    else if (name === KEY_PROPERTY) key = last;
    else headers[name] = last;
  }
  const body = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  // Without an edgeplane publisher there is no stable id: the packet id is the best there is.
  return { id: id ?? `${packet.topic}#${packet.messageId}`, key, headers, body };
}

/**
 * Hands messages from mqtt.js's `handleMessage` to `receive()`. mqtt.js passes one message at a
 * time and sends its PUBACK only when we call back, so the flow-control window is 1: the next
 * message comes once the loop acknowledged this one. A nack hands the same message out again.
 */
export class Inbox {
  private readonly queue: Held[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  /** mqtt.js `handleMessage`: hold the packet (and its PUBACK) until the loop acknowledges it. */
  readonly handle = (packet: IPublishPacket, callback: (error?: Error) => void): void => {
    if (this.closed) return; // no PUBACK: the broker redelivers it to the next session
    this.queue.push({ message: toMessage(packet), release: () => callback(), acked: false });
    this.wake?.();
  };

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  private next(signal: AbortSignal): Promise<Held | undefined> {
    if (this.closed || signal.aborted) return Promise.resolve(undefined);
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve(this.closed || signal.aborted ? undefined : this.queue.shift());
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Yields one batch per message until the signal aborts or the transport closes. */
  async *receive(signal: AbortSignal): AsyncIterable<InboundBatch> {
    for (;;) {
      const held = await this.next(signal);
      if (!held) return;
      yield this.batch(held);
    }
  }

  private batch(held: Held): InboundBatch {
    return {
      messages: [held.message],
      ack: async (count = 1) => {
        if (this.closed) throw new EdgeplaneError('closed', 'transport:mqtt', 'ack after close');
        if (count < 1 || held.acked) return;
        held.acked = true;
        held.release();
      },
      nack: async (options) => {
        if (this.closed || held.acked) return;
        if (options?.retryAfterMs) await new Promise((r) => setTimeout(r, options.retryAfterMs));
        this.queue.unshift(held);
        this.wake?.();
      },
    };
  }
}
