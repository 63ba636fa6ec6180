import type {
  ConnectionState,
  EdgeplaneError,
  GroupEvent,
  InboundBatch,
  InboundMessage,
  LagReading,
  ReceiveOptions,
} from '@edgeplane/adapter-loop/transport';
import {
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  StringCodec,
} from 'nats';
import type { Connection } from './connection.js';
import { closedError, consumerDeleted, natsError, serversText, streamDeleted } from './errors.js';
import { inbound, Queue, sleep, streamOrigin } from './message.js';
import type { ResolvedNatsOptions } from './options.js';
import { replayBatches } from './replay.js';
import { createConsumer, isConsumerNotFound, isStreamNotFound } from './setup.js';

const codec = StringCodec();
const ACK = codec.encode('+ACK');
const NAK = codec.encode('-NAK');
const WPI = codec.encode('+WPI');
/** Transient failures of an ack: the ack is sent again once the connection is back. */
const TRANSIENT = new Set(['TIMEOUT', 'DISCONNECT', 'CONNECTION_CLOSED', '503']);
/**
 * Lifetime of a pull request on the server. Short, so that `close()` can wait for the last one
 * to expire before giving messages back (see there); the client renews them while pulling.
 */
const PULL_EXPIRES_MS = 1000;
/** How long an ack keeps trying through disconnections before it fails. */
const ACK_GIVE_UP_MS = 120_000;

/**
 * The ack subject of a JetStream message (`$JS.ACK.<stream>.<consumer>.<delivered>.<seq>...`).
 * nats.js keeps it on the wrapped core message; acks are sent on it directly, so that a range of
 * acks can be confirmed with one request and an ack can be sent again after a reconnection
 * (`JsMsg.ackAck()` refuses a second try).
 */
function replyOf(m: JsMsg): string {
  return (m as unknown as { readonly msg: { readonly reply?: string } }).msg.reply ?? '';
}

/**
 * The JetStream source: one durable pull consumer, pulled with `consume()` (which re-issues its
 * pull requests after a reconnection), and explicit acks. Received messages wait in `queue`;
 * `receive()` yields what is there as batches. Everything delivered and not acknowledged is
 * "held": kept alive with `+WPI` while held, and given back with `-NAK` at `close()`.
 */
export class JetStreamSource {
  readonly queue: Queue<JsMsg> = new Queue();
  /** Yielded batches not fully acknowledged (given back at close). */
  readonly outstanding: Set<JetStreamBatch> = new Set();
  readonly closing: AbortController = new AbortController();
  private messages: ConsumerMessages | undefined;
  private starting: Promise<void> | undefined;
  private failure: EdgeplaneError | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  ackWaitMs = 30_000;
  /** The durable's ack floor (stream sequence) when it was opened. */
  ackFloor = 0;
  /** Highest stream sequence acknowledged (confirmed) through this source. */
  lastAcked = 0;
  /** Bumped when the durable is recreated: batches of an older one ack and nack nothing. */
  generation = 0;
  private recovering = false;

  constructor(
    readonly options: ResolvedNatsOptions,
    readonly connection: Connection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly report: (error: EdgeplaneError | undefined, state?: ConnectionState) => void,
    private readonly onGroupEvent?: (event: GroupEvent) => void,
  ) {
    connection.onFailed(() => this.queue.wake());
    // Back from a disconnection: renew every held message at once (the server may have counted
    // the ack wait through the outage).
    connection.onState((state) => {
      if (state === 'ready') this.touch();
    });
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Starts pulling (once). */
  private start(): Promise<void> {
    this.starting ??= (async () => {
      const { stream, durable, pullMaxMessages } = this.options;
      const consumer = await this.js.consumers
        .get(stream as string, durable as string)
        .catch((error: unknown) => {
          throw natsError(error, `cannot use consumer ${durable} of stream ${stream}`);
        });
      if (this.closed) return;
      const messages = await consumer.consume({
        max_messages: pullMaxMessages,
        expires: PULL_EXPIRES_MS,
        callback: (m) => this.queue.push(m),
      });
      this.messages = messages;
      void this.watch(messages);
      const every = Math.max(200, Math.floor(this.ackWaitMs / 3));
      this.keepAlive = setInterval(() => this.touch(), every);
      this.keepAlive.unref();
    })();
    return this.starting;
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    void messages.closed().then((error) => {
      if (error && !this.closed && !this.recovering && messages === this.messages) {
        this.failure = natsError(error, 'the pull consumer stopped');
        this.queue.wake();
      }
    });
    for await (const status of await messages.status()) {
      if (
        status.type === 'consumer_deleted' ||
        status.type === 'consumer_not_found' ||
        status.type === 'stream_not_found'
      ) {
        void this.lost(messages, status.type);
      }
    }
  }

  /**
   * The durable (or its stream) disappeared mid-run. Never a silent replay from the start:
   * - the stream is gone: permanent `not-found` (its messages went with it);
   * - the durable is gone, `createConsumer=false`: permanent `not-found` with the command that
   *   recreates it where this lane left off;
   * - the durable is gone, `createConsumer=true`: reported `reconnecting` (a `not-found` error),
   *   recreated delivering from the first sequence not acknowledged through this transport
   *   (`by_start_sequence`), logged as an `assigned` group event, then `ready`.
   * Messages held at that moment come again from the new durable (duplicates, never losses).
   */
  private async lost(messages: ConsumerMessages, what: string): Promise<void> {
    if (this.recovering || this.closed || messages !== this.messages) return;
    this.recovering = true;
    // Also seen for a moment after a server restart: reported, then checked.
    this.report(natsError({ code: '503' }, `${what.replaceAll('_', ' ')}, checking`));
    messages.stop();
    const { stream, durable, subject } = this.options;
    const servers = serversText(this.options.servers);
    const name = stream as string;
    const start = this.resumeAt();
    try {
      for (;;) {
        if (this.closed) return;
        try {
          await this.jsm.streams.info(name);
          await this.jsm.consumers.info(name, durable as string);
          break; // back already (recreated by someone else): pull from it as it is
        } catch (error) {
          if (isStreamNotFound(error)) return this.stop(streamDeleted(name, servers));
          if (!isConsumerNotFound(error)) {
            await sleep(500, this.closing.signal); // connection down, or a slow server: ask again
            continue;
          }
        }
        if (!this.options.createConsumer) {
          return this.stop(consumerDeleted(name, durable as string, subject, start, servers));
        }
        const gone = natsError(
          {
            code: '404',
            api_error: { code: 404, err_code: 10014, description: 'consumer not found' },
          },
          `durable consumer ${durable} of stream ${name} was deleted on ${servers}; recreating it at stream sequence ${start}`,
        );
        this.report(gone, 'reconnecting');
        await createConsumer(this.jsm, this.options, start);
        break;
      }
      this.generation++;
      this.queue.clear();
      this.outstanding.clear();
      this.starting = undefined;
      if (this.keepAlive) clearInterval(this.keepAlive);
      await this.start();
      this.onGroupEvent?.({
        type: 'assigned',
        partitions: [name],
        detail: `durable consumer ${durable} of stream ${name} disappeared (deleted); recreated it at stream sequence ${start}, the first not acknowledged: messages from it on are delivered (again), none before it`,
      });
      this.report(undefined, 'ready');
    } catch (error) {
      this.stop(natsError(error, `cannot recreate consumer ${durable} of stream ${name}`));
    } finally {
      this.recovering = false;
    }
  }

  /** First stream sequence not known acknowledged: after the ack floor, or a held message. */
  private resumeAt(): number {
    let start = Math.max(this.ackFloor, this.lastAcked) + 1;
    this.queue.forEach((m) => {
      start = Math.min(start, m.seq);
    });
    for (const batch of this.outstanding)
      batch.forEachHeld((m) => (start = Math.min(start, m.seq)));
    return start;
  }

  /** Ends receiving with a permanent error (thrown by the receive iterator). */
  private stop(error: EdgeplaneError): void {
    this.failure = error;
    this.report(error, 'failed');
    this.queue.wake();
  }

  /** `+WPI` for every held message, so the server does not redeliver what is still in the loop. */
  private touch(): void {
    if (this.closed || this.connection.state !== 'ready') return;
    const nc = this.connection.nc;
    try {
      this.queue.forEach((m) => {
        nc.publish(replyOf(m), WPI);
      });
      for (const batch of this.outstanding) batch.forEachHeld((m) => nc.publish(replyOf(m), WPI));
    } catch {
      // a keep-alive that cannot be sent only means an earlier redelivery
    }
  }

  /** Yields what has arrived as batches of at most `max`; `from` replays from a sequence. */
  async *receive(options: ReceiveOptions): AsyncGenerator<InboundBatch> {
    const stop = AbortSignal.any([options.signal, this.closing.signal]);
    if (stop.aborted) return;
    const max = Math.max(
      1,
      Math.min(this.options.batchMaxMessages, options.maxBatchMessages ?? Infinity),
    );
    if (options.from !== undefined) {
      yield* replayBatches(this.js, this.options, options.from, max, stop);
      return;
    }
    await this.start();
    const { stream, keyHeader } = this.options;
    while (!stop.aborted) {
      if (this.connection.failure) throw this.connection.failure;
      if (this.failure) throw this.failure;
      if (this.queue.length === 0) {
        await this.queue.wait(stop);
        continue;
      }
      const raw = this.queue.take(max);
      const messages: InboundMessage[] = new Array(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const m = raw[i] as JsMsg;
        messages[i] = inbound(
          m,
          `${stream}:${m.seq}`,
          String(m.seq),
          keyHeader,
          streamOrigin(stream, m.seq, m.subject),
        );
      }
      const batch = new JetStreamBatch(messages, raw, this, this.generation);
      this.outstanding.add(batch);
      yield batch;
    }
  }

  /**
   * Acknowledges `raw[from, to)`: `+ACK` for each but the last, then the last as a request whose
   * reply means the server processed the acks of this connection up to it. On a disconnection
   * the range is sent again once the connection is back (acks are idempotent).
   */
  async ackRange(
    raw: readonly JsMsg[],
    from: number,
    to: number,
    generation: number,
  ): Promise<void> {
    const deadline = Date.now() + Math.max(ACK_GIVE_UP_MS, this.ackWaitMs);
    for (;;) {
      if (this.closed) throw closedError();
      if (this.failure) throw this.failure;
      // Delivered by a durable that was deleted since: the recreated one delivers them again.
      if (generation !== this.generation) return;
      const nc = this.connection.nc;
      try {
        for (let i = from; i < to - 1; i++) nc.publish(replyOf(raw[i] as JsMsg), ACK);
        await nc.request(replyOf(raw[to - 1] as JsMsg), ACK, {
          timeout: this.options.requestTimeoutMs,
        });
        for (let i = from; i < to; i++) {
          const seq = (raw[i] as JsMsg).seq;
          if (seq > this.lastAcked) this.lastAcked = seq;
        }
        return;
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (generation !== this.generation) return;
        if (this.connection.failure) throw this.connection.failure;
        if (!TRANSIENT.has(code) || Date.now() > deadline) {
          throw this.closed ? closedError() : natsError(error, 'cannot acknowledge');
        }
        this.report(natsError(error, 'acknowledgement not confirmed, sending it again'));
        if (!(await this.connection.ready())) {
          throw this.closed ? closedError() : natsError(error, 'cannot acknowledge');
        }
        await sleep(100);
      }
    }
  }

  /** Gives `raw` back for redelivery (after `delayMs`), confirmed by a flush. */
  async nak(raw: readonly JsMsg[], delayMs: number | undefined): Promise<void> {
    if (raw.length === 0) return;
    const nc = this.connection.nc;
    const payload =
      delayMs && delayMs > 0
        ? codec.encode(`-NAK ${JSON.stringify({ delay: Math.round(delayMs * 1e6) })}`)
        : NAK;
    try {
      for (const m of raw) nc.publish(replyOf(m), payload);
      await nc.flush();
    } catch (error) {
      throw natsError(error, 'cannot give messages back');
    }
  }

  /** `num_pending` + `num_ack_pending` of the durable consumer. */
  async lag(): Promise<LagReading> {
    const { stream, durable } = this.options;
    if (durable === undefined || this.connection.state !== 'ready') return { lag: null };
    try {
      const info = await this.jsm.consumers.info(stream as string, durable);
      return { lag: info.num_pending + info.num_ack_pending };
    } catch (error) {
      throw natsError(error, `cannot read the lag of consumer ${durable}`);
    }
  }

  /** Stops pulling and gives every held message back, so it is redelivered at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    this.queue.wake();
    if (this.keepAlive) clearInterval(this.keepAlive);
    await this.starting?.catch(() => undefined);
    this.messages?.stop();
    // In delivery order (yielded batches, then what was not yielded yet), so that a single
    // consumer gets them back in that order.
    const held: JsMsg[] = [];
    for (const batch of this.outstanding) batch.forEachHeld((m) => held.push(m));
    for (const m of this.queue.clear()) held.push(m);
    this.outstanding.clear();
    if (held.length === 0 || this.connection.state !== 'ready') return;
    // nats-server 2.9 mishandles a nak'ed message it routes to a pull request whose subscriber
    // is gone (the message stays pending until ack wait, and a newer one is delivered twice):
    // wait until our last pull request has expired on the server, then give the messages back.
    await sleep(PULL_EXPIRES_MS + 250);
    await this.nak(held, 0).catch(() => undefined);
  }
}

/** A batch from the durable consumer: `ack(n)` acks the first `n`, `nack()` naks the rest. */
export class JetStreamBatch implements InboundBatch {
  private acked = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly messages: readonly InboundMessage[],
    private readonly raw: readonly JsMsg[],
    private readonly source: JetStreamSource,
    private readonly generation: number,
  ) {}

  /** Each delivered message not yet acknowledged or given back. */
  forEachHeld(fn: (m: JsMsg) => void): void {
    for (let i = this.acked; i < this.raw.length; i++) fn(this.raw[i] as JsMsg);
  }

  ack(count: number = this.raw.length): Promise<void> {
    if (this.source.closed) return Promise.reject(closedError());
    const to = Math.min(Math.max(0, count), this.raw.length);
    const step = this.chain.then(async () => {
      if (to <= this.acked) return;
      await this.source.ackRange(this.raw, this.acked, to, this.generation);
      this.acked = to;
      if (this.acked === this.raw.length) this.source.outstanding.delete(this);
    });
    this.chain = step.catch(() => undefined);
    return step;
  }

  nack(options?: { readonly retryAfterMs?: number }): Promise<void> {
    if (this.source.closed) return Promise.reject(closedError());
    const step = this.chain.then(async () => {
      const rest = this.raw.slice(this.acked);
      this.acked = this.raw.length;
      this.source.outstanding.delete(this);
      if (this.generation !== this.source.generation) return;
      await this.source.nak(rest, options?.retryAfterMs);
    });
    this.chain = step.catch(() => undefined);
    return step;
  }
}
