import { createHash, timingSafeEqual } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  createContextValues,
  type HandlerContext,
} from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  type ConnectionState,
  type EdgeplaneError,
  type InboundBatch,
  type InboundMessage,
  loadListenTls,
  type ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import { COMPONENT, closedError, listenError, missingForRole, notListening } from './errors.js';
import {
  type IngestRequest,
  type IngestResponse,
  IngestResponseSchema,
  type IngestService,
  type Message,
} from './gen/edgeplane/v1/ingest_pb.js';
import { Listener } from './listener.js';
import { parseListen, type ResolvedGrpcOptions } from './options.js';
import { serviceFor } from './service.js';

const kPeer = createContextKey<string>('', { description: 'remote address' });

/** One Ingest call the ingress holds until every message of it was acknowledged. */
class Call {
  /** Index of the next message to deliver. */
  next = 0;
  /** Messages not yet acknowledged. */
  remaining: number;
  settled = false;
  /** Messages acknowledged: always a prefix of the call (acks come in receive order). */
  acked = 0;
  constructor(
    readonly seq: number,
    readonly messages: readonly Message[],
    readonly peer: string,
    readonly settle: (error?: ConnectError, accepted?: number) => void,
  ) {
    this.remaining = messages.length;
  }
}

/** Counters of the ingress, for `stats()`. */
export interface IngressStats {
  /** `host:port` it listens on, once listening. */
  readonly listening: string | undefined;
  /** Open connections. */
  readonly connections: number;
  /** Calls answered OK (acknowledged). */
  readonly callsAcked: number;
  /** Calls refused for backpressure (RESOURCE_EXHAUSTED), shutdown (UNAVAILABLE), auth or input. */
  readonly callsRefused: number;
  /** Messages acknowledged. */
  readonly messagesAcked: number;
  /** Messages held: queued for delivery plus delivered and not yet acknowledged. */
  readonly held: number;
}

/** Part of a batch that came from one call. */
interface Segment {
  readonly call: Call;
  readonly count: number;
}

/**
 * The ingress: serves the ingest method (gRPC, gRPC-Web, Connect on one port) and hands its
 * messages to `receive()`; a call is answered OK only when the loop acknowledged all of its
 * messages (the egress took them). At most `maxInFlight` messages are held; a call that does not
 * fit is refused with RESOURCE_EXHAUSTED and a pushback, a call during shutdown with UNAVAILABLE.
 */
export class Ingress {
  private listener: Listener | undefined;
  private readonly queue: Call[] = [];
  /** Calls not answered yet (queued, or delivered and not fully acknowledged). */
  private readonly live = new Set<Call>();
  private held = 0;
  private outstanding = 0;
  private seq = 0;
  private delivered = 0;
  private closing = false;
  private wake: (() => void) | undefined;
  private readonly token: Buffer | undefined;
  private address: string | undefined;
  private callsAcked = 0;
  private callsRefused = 0;
  private messagesAcked = 0;
  onStateChange: ((state: ConnectionState, error?: EdgeplaneError) => void) | undefined;

  constructor(private readonly options: ResolvedGrpcOptions) {
    this.token =
      options.authToken === undefined ? undefined : digest(`Bearer ${options.authToken}`);
  }

  /** Reads the TLS files, then listens. `invalid-config`/`tls` for bad options, `unavailable` when the port is taken. */
  async open(): Promise<void> {
    if (this.closing) throw closedError();
    if (this.listener) return;
    const { listen } = this.options;
    if (listen === undefined) throw missingForRole('listen', 'ingress');
    const at = parseListen(listen) as { host: string; port: number };
    const tls = await loadListenTls(this.options, COMPONENT);
    const { method } = serviceFor(this.options.method);
    const handler = connectNodeAdapter({
      routes: (router: ConnectRouter) => {
        router.rpc(method as typeof IngestService.method.ingest, (req, ctx) =>
          this.ingest(req, ctx),
        );
      },
      readMaxBytes: this.options.maxRequestBytes,
      contextValues: (req) =>
        createContextValues().set(
          kPeer,
          `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`,
        ),
    });
    const listener = new Listener(handler, tls);
    try {
      const port = await listener.listen(at.host, at.port);
      this.address = at.host.includes(':') ? `[${at.host}]:${port}` : `${at.host}:${port}`;
    } catch (error) {
      throw listenError(listen, error);
    }
    if (this.closing) {
      await listener.close(0);
      throw closedError();
    }
    this.listener = listener;
    this.onStateChange?.('ready');
  }

  /** `host:port` the ingress listens on (after `open()`). */
  get listening(): string | undefined {
    return this.address;
  }

  stats(): IngressStats {
    return {
      listening: this.address,
      connections: this.listener?.connections ?? 0,
      callsAcked: this.callsAcked,
      callsRefused: this.callsRefused,
      messagesAcked: this.messagesAcked,
      held: this.held,
    };
  }

  /** Messages held (queued + unacknowledged): the ingress's lag. */
  get lag(): number {
    return this.held;
  }

  private refuse(message: string, code: Code, pushback?: number): ConnectError {
    this.callsRefused++;
    const metadata =
      pushback === undefined ? undefined : { 'grpc-retry-pushback-ms': `${pushback}` };
    return new ConnectError(message, code, metadata);
  }

  private async ingest(req: IngestRequest, ctx: HandlerContext): Promise<IngestResponse> {
    const { options } = this;
    if (this.token) {
      const given = ctx.requestHeader.get('authorization');
      if (given === null || !timingSafeEqual(digest(given), this.token))
        throw this.refuse(
          given === null
            ? 'missing bearer token (metadata `authorization: Bearer <token>`)'
            : 'wrong bearer token',
          Code.Unauthenticated,
        );
    }
    if (this.closing) throw this.refuse('the server is shutting down', Code.Unavailable);
    const messages = req.messages;
    for (let i = 0; i < messages.length; i++) {
      const size = (messages[i] as Message).body.byteLength;
      if (size > options.maxBodyBytes)
        throw this.refuse(
          `message ${i} has a body of ${size} bytes, over the server's limit (${options.maxBodyBytes} bytes)`,
          Code.InvalidArgument,
        );
    }
    if (messages.length === 0) return create(IngestResponseSchema, { accepted: 0 });
    if (this.held > 0 && this.held + messages.length > options.maxInFlight)
      throw this.refuse(
        `the server's window is full (${this.held} of ${options.maxInFlight} messages held); retry later`,
        Code.ResourceExhausted,
        options.retryAfterMs,
      );
    if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason, Code.Canceled);
    let settle!: (error?: ConnectError, accepted?: number) => void;
    const done = new Promise<number>((resolve, reject) => {
      settle = (error, accepted = messages.length) => (error ? reject(error) : resolve(accepted));
    });
    const call = new Call(this.seq++, messages, ctx.values.get(kPeer), settle);
    this.held += messages.length;
    this.queue.push(call);
    this.live.add(call);
    this.wake?.();
    // The deadline passed or the client went away before the ack: the client will send the call
    // again, so its undelivered messages are dropped; delivered ones are acknowledged as usual
    // (a duplicate, never a loss).
    const onAbort = () => this.abandon(call, ConnectError.from(ctx.signal.reason, Code.Canceled));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let accepted: number;
    try {
      accepted = await done;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    this.callsAcked++;
    return create(IngestResponseSchema, { accepted });
  }

  /** Ends a call with an error: its undelivered messages leave the window. */
  private abandon(call: Call, error: ConnectError): void {
    if (call.settled) return;
    call.settled = true;
    this.live.delete(call);
    const undelivered = call.messages.length - call.next;
    call.next = call.messages.length;
    this.held -= undelivered;
    const i = this.queue.indexOf(call);
    if (i >= 0) this.queue.splice(i, 1);
    this.callsRefused++;
    call.settle(error);
    this.wake?.();
  }

  /** Yields batches of at most `maxInFlight - outstanding` messages until aborted or closed. */
  async *receive(receiveOptions: ReceiveOptions): AsyncGenerator<InboundBatch> {
    const { signal } = receiveOptions;
    // After close(): the iteration ends without yielding (rule 5).
    if (this.closing) return;
    if (!this.listener) throw notListening();
    const max = receiveOptions.maxBatchMessages ?? Number.POSITIVE_INFINITY;
    const onAbort = () => this.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted && !this.closing) {
        const room = Math.min(this.options.maxInFlight - this.outstanding, max);
        if (this.queue.length === 0 || room <= 0) {
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
          this.wake = undefined;
          continue;
        }
        yield this.take(room);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private take(room: number): InboundBatch {
    const messages: InboundMessage[] = [];
    const segments: Segment[] = [];
    while (messages.length < room && this.queue.length > 0) {
      const call = this.queue[0] as Call;
      const count = Math.min(room - messages.length, call.messages.length - call.next);
      for (let i = 0; i < count; i++)
        messages.push(new Inbound(call, call.next + i, this.delivered++, this.address));
      call.next += count;
      segments.push({ call, count });
      if (call.next === call.messages.length) this.queue.shift();
    }
    this.outstanding += messages.length;
    let acked = 0;
    let nacked = false;
    const release = (from: number, to: number, ok: boolean) => {
      // Walk the segments over messages [from, to).
      let base = 0;
      for (const seg of segments) {
        const lo = Math.max(from, base);
        const hi = Math.min(to, base + seg.count);
        base += seg.count;
        if (hi <= lo) continue;
        const n = hi - lo;
        this.outstanding -= n;
        this.held -= n;
        if (ok) {
          this.messagesAcked += n;
          seg.call.remaining -= n;
          seg.call.acked += n;
          if (seg.call.remaining === 0 && !seg.call.settled) {
            seg.call.settled = true;
            this.live.delete(seg.call);
            seg.call.settle();
          }
        } else if (!seg.call.settled) {
          this.abandon(
            seg.call,
            new ConnectError('the pipeline gave the batch back; send it again', Code.Unavailable, {
              'grpc-retry-pushback-ms': `${this.options.retryAfterMs}`,
            }),
          );
        }
      }
      this.wake?.();
    };
    return {
      messages,
      ack: async (count = messages.length) => {
        if (this.closing) throw closedError();
        const to = Math.min(Math.max(count, 0), messages.length);
        if (to <= acked || nacked) return;
        release(acked, to, true);
        acked = to;
      },
      nack: async () => {
        if (this.closing) throw closedError();
        if (nacked) return;
        nacked = true;
        release(acked, messages.length, false);
      },
    };
  }

  /** Stops accepting; every call not yet acknowledged is answered UNAVAILABLE (the client retries). Idempotent. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const shutdown = new ConnectError('the server is shutting down', Code.Unavailable);
    for (const call of [...this.live]) {
      // Part of the call was taken (a bounded run stopping mid-call): answer OK with the count
      // taken, so the client sends only the rest again (no duplicates); nothing taken: UNAVAILABLE.
      if (call.acked > 0 && !call.settled) {
        call.settled = true;
        this.live.delete(call);
        call.settle(undefined, call.acked);
      } else this.abandon(call, shutdown);
    }
    this.wake?.();
    await this.listener?.close();
    this.onStateChange?.('closed');
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** One message as the loop sees it; `id` and `origin` are computed when read. */
class Inbound implements InboundMessage {
  readonly body: Uint8Array;
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  constructor(
    private readonly call: Call,
    private readonly index: number,
    private readonly n: number,
    private readonly at: string | undefined,
  ) {
    const m = call.messages[index] as Message;
    this.body = m.body;
    this.key = m.key;
    this.headers = m.headers;
  }
  get id(): string {
    return `${this.at ?? 'grpc'}#${this.n}`;
  }
  get origin(): string {
    return `grpc call ${this.call.seq} from ${this.call.peer} message ${this.index} (listener ${this.at ?? '?'})`;
  }
}
