import type {
  EdgeplaneError,
  InboundBatch,
  InboundMessage,
  ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import type WebSocket from 'ws';
import { ackFrame, decodeData, type FrameError, nackFrame } from './envelope.js';
import { closedError } from './errors.js';

/** One connection the ingress reads from (accepted, or dialled). */
export interface Peer {
  readonly id: number;
  readonly ws: WebSocket;
  /** `127.0.0.1:54321`, for origins. */
  readonly remote: string;
  /** Frames received on it (the sequence, for `ackProtocol=none`). */
  frames: number;
  open: boolean;
  /** Speaks edgeplane.v1 (sequences) rather than plain frames. */
  readonly v1: boolean;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A received message. `id` (`<connection>:<sequence>`) and `origin` are computed only when read
 * (rule 9: no per-message string work on the hot path).
 */
class WsMessage implements InboundMessage {
  constructor(
    private readonly peer: Peer,
    private readonly seq: number,
    readonly body: Uint8Array,
    readonly headers: Readonly<Record<string, string>>,
    readonly key: string | undefined,
  ) {}
  get id(): string {
    return `${this.peer.id}:${this.seq}`;
  }
  get origin(): string {
    return `websocket connection ${this.peer.id} (${this.peer.remote}) ${this.peer.v1 ? 'sequence' : 'frame'} ${this.seq}`;
  }
}

/** A batch handed to the loop: its items and how many are acknowledged (or given back). */
interface Delivered {
  readonly items: Item[];
  acked: number;
}

interface Item {
  readonly peer: Peer;
  readonly seq: number;
  readonly message: InboundMessage;
}

/**
 * The ingress's messages: received from its peers, handed to `receive()` in batches (each from
 * one connection), acknowledged to the peer (`{"ack":N}`, cumulative) when the loop acks. At most
 * `maxInFlight` messages are held (queued or unacknowledged): past it every socket is paused, so
 * the peers feel TCP backpressure; nothing is queued without bound.
 */
export class Inbox {
  private queue: Item[] = [];
  /** Delivered to the loop and not yet acknowledged. */
  private outstanding = 0;
  private readonly peers = new Set<Peer>();
  private wake: (() => void) | undefined;
  /** Batches handed out, in order, from `head` on not yet wholly acknowledged. */
  private delivered: Delivered[] = [];
  private head = 0;
  private nextPeer = 1;
  private paused = false;
  closed = false;
  /** A permanent failure of a dialling ingress: `receive()` throws it. */
  failure: EdgeplaneError | undefined;
  /** Counters for `stats()`. */
  received = 0;
  acked = 0;
  connections = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly v1: boolean,
  ) {}

  /** Messages held: received and not yet acknowledged. */
  held(): number {
    return this.queue.length + this.outstanding;
  }

  /** Open connections. */
  peerCount(): number {
    return this.peers.size;
  }

  /** Reads `ws` from now on. */
  accept(ws: WebSocket, remote: string): Peer {
    const peer: Peer = { id: this.nextPeer++, ws, remote, frames: 0, open: true, v1: this.v1 };
    this.peers.add(peer);
    this.connections++;
    if (this.paused) ws.pause();
    ws.on('message', (data, isBinary) => this.frame(peer, data as Buffer, isBinary));
    ws.once('close', () => {
      peer.open = false;
      this.peers.delete(peer);
      // Not yet handed out: dropped (the peer sends them again). Handed out: the loop acks them.
      const before = this.queue.length;
      this.queue = this.queue.filter((item) => item.peer !== peer);
      if (this.queue.length !== before) this.resumeIfRoom();
    });
    return peer;
  }

  private frame(peer: Peer, data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    peer.frames++;
    let seq = peer.frames;
    let message: InboundMessage;
    if (this.v1) {
      if (!isBinary) return; // control frames go the other way
      try {
        const d = decodeData(data);
        seq = d.seq;
        message = new WsMessage(peer, seq, d.body, d.headers, d.key);
      } catch (error) {
        const e = error as FrameError;
        if (e.seq !== undefined) peer.ws.send(nackFrame(e.seq, 'invalid-input', e.message));
        else peer.ws.close(1002, 'not an edgeplane.v1 data frame');
        return;
      }
    } else {
      message = new WsMessage(peer, seq, data, NO_HEADERS, undefined);
    }
    this.received++;
    this.queue.push({ peer, seq, message });
    if (!this.paused && this.held() >= this.maxInFlight) {
      this.paused = true;
      for (const p of this.peers) p.ws.pause();
    }
    this.wake?.();
  }

  private resumeIfRoom(): void {
    if (this.paused && this.held() < this.maxInFlight) {
      this.paused = false;
      for (const p of this.peers) p.ws.resume();
    }
    this.wake?.();
  }

  /** Yields batches (one connection each, at most the window) until aborted or closed. */
  async *receive(options: ReceiveOptions): AsyncGenerator<InboundBatch> {
    const { signal } = options;
    const limit = options.maxBatchMessages ?? Number.MAX_SAFE_INTEGER;
    while (!signal.aborted && !this.closed) {
      if (this.failure) throw this.failure;
      const room = this.maxInFlight - this.outstanding;
      if (this.queue.length === 0 || room <= 0) {
        await this.waitForWork(signal);
        continue;
      }
      const head = (this.queue[0] as Item).peer;
      let n = 0;
      const most = Math.min(room, limit, this.queue.length);
      while (n < most && (this.queue[n] as Item).peer === head) n++;
      const items = this.queue.splice(0, n);
      this.outstanding += n;
      yield this.batch(items);
    }
  }

  private waitForWork(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.wake = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private batch(items: Item[]): InboundBatch {
    const state: Delivered = { items, acked: 0 };
    this.delivered.push(state);
    return {
      messages: items.map((item) => item.message),
      ack: async (count = items.length) => {
        if (this.closed) throw closedError();
        this.acknowledge(state, Math.min(count, items.length));
      },
      nack: async () => {
        if (this.closed) throw closedError();
        const rest = items.slice(state.acked).filter((item) => item.peer.open);
        this.outstanding -= items.length - state.acked;
        state.acked = items.length; // given back, not acknowledged: no ack frame for them
        this.queue.unshift(...rest);
        this.resumeIfRoom();
      },
    };
  }

  /**
   * Cumulative, as the ordering is total: acknowledging `upTo` messages of `state` also
   * acknowledges every batch delivered before it (the loop sends only the newest ack of a step).
   * One `{"ack":N}` per connection touched, with its highest sequence.
   */
  private acknowledge(state: Delivered, upTo: number): void {
    const touched = new Map<Peer, number>();
    const settle = (d: Delivered, n: number) => {
      if (n <= d.acked) return;
      this.outstanding -= n - d.acked;
      this.acked += n - d.acked;
      d.acked = n;
      const last = d.items[n - 1] as Item;
      touched.set(last.peer, Math.max(touched.get(last.peer) ?? 0, last.seq));
    };
    const at = this.delivered.indexOf(state, this.head);
    if (at >= 0) {
      for (let i = this.head; i < at; i++) {
        const d = this.delivered[i] as Delivered;
        settle(d, d.items.length);
      }
      this.head = at;
    }
    settle(state, upTo);
    while (this.head < this.delivered.length) {
      const d = this.delivered[this.head] as Delivered;
      if (d.acked < d.items.length) break;
      this.head++;
    }
    if (this.head >= 64 && this.head * 2 >= this.delivered.length) {
      this.delivered = this.delivered.slice(this.head);
      this.head = 0;
    }
    if (this.v1) for (const [peer, seq] of touched) if (peer.open) peer.ws.send(ackFrame(seq));
    this.resumeIfRoom();
  }

  /** Ends `receive()` and refuses acks from now on. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.wake?.();
  }
}
