import {
  type EdgeplaneError,
  type OutboundMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import type { Kafka, Message, Producer } from 'kafkajs';
import { retryPolicy } from './client.js';
import {
  cancelledError,
  closedError,
  isProducerStateError,
  kafkaError,
  roleConfigError,
  tooLarge,
} from './errors.js';
import { kafkajs } from './kafkajs.js';
import type { ResolvedKafkaOptions } from './options.js';
import type { ConnectionTracker } from './state.js';

const { CompressionTypes } = kafkajs;

/** What the sink shares with the rest of the transport. */
export interface SinkContext {
  readonly options: ResolvedKafkaOptions;
  readonly tracker: ConnectionTracker;
  readonly secrets: readonly string[];
  client(): Promise<Kafka>;
}

/** Estimated bytes a record adds to a record batch beyond its key, value and headers. */
const RECORD_OVERHEAD = 24;

/** The topic a sink produces to: `topic`, or the only entry of `topics`. */
export function sinkTopic(o: ResolvedKafkaOptions): string {
  if (o.topic !== undefined) return o.topic;
  if (o.topics?.length === 1) return o.topics[0] as string;
  throw roleConfigError(
    'topics',
    'a Kafka sink produces to one topic: set `topic` (`topics` lists several)',
  );
}

function estimate(m: OutboundMessage): number {
  let n = RECORD_OVERHEAD + (m.bodyLength ?? m.body.byteLength) + (m.key?.length ?? 0) * 3;
  if (m.headers) for (const [k, v] of Object.entries(m.headers)) n += 4 + k.length + v.length * 3;
  return n;
}

/**
 * Cuts a batch into runs of at most `limit` estimated bytes (usually one run: the whole batch),
 * so no record batch exceeds the broker's `message.max.bytes`.
 */
function cut(batch: readonly OutboundMessage[], limit: number): Message[][] {
  const runs: Message[][] = [];
  let run: Message[] = [];
  let bytes = 0;
  for (const m of batch) {
    const size = estimate(m);
    if (run.length > 0 && bytes + size > limit) {
      runs.push(run);
      run = [];
      bytes = 0;
    }
    const body = m.body;
    run.push({
      key: m.key ?? null,
      // The caller's bytes (a view, never a copy): nothing is mutated.
      value: Buffer.isBuffer(body)
        ? body
        : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      headers: m.headers && Object.keys(m.headers).length > 0 ? { ...m.headers } : undefined,
    });
    bytes += size;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * The sink: an idempotent producer (`acks=-1`, one request in flight), one `producer.send` per
 * batch (kafkajs groups it per partition), `ok` only once the brokers acknowledged every record.
 */
export class KafkaSink {
  private producer: Producer | undefined;
  private starting: Promise<Producer> | undefined;
  private inflight: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly ctx: SinkContext) {}

  /** Connects the producer (idempotent; a failed attempt can be retried). */
  start(): Promise<Producer> {
    this.starting ??= this.connect().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  private async connect(): Promise<Producer> {
    const o = this.ctx.options;
    const topic = sinkTopic(o);
    const producer = (await this.ctx.client()).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      retry: retryPolicy(o),
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw kafkaError(error, `connect a producer for "${topic}"`, this.ctx.secrets);
    }
    this.producer = producer;
    return producer;
  }

  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.closed) return Promise.resolve(sendFailed(closedError()));
    if (signal?.aborted) return Promise.resolve(sendFailed(cancelledError()));
    const done = this.inflight.then(() => this.produce(batch));
    this.inflight = done.catch(() => {});
    return done;
  }

  private async produce(batch: readonly OutboundMessage[]): Promise<SendResult> {
    const o = this.ctx.options;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i] as OutboundMessage;
      const bytes = m.bodyLength ?? m.body.byteLength;
      if (bytes > o.maxBodyBytes) return sendFailed(tooLarge(i, bytes, o.maxBodyBytes));
    }
    let topic: string;
    try {
      topic = sinkTopic(o);
    } catch (error) {
      return sendFailed(error as EdgeplaneError);
    }
    if (batch.length === 0) return sendOk();
    try {
      const producer = await this.start();
      if (this.closed) return sendFailed(closedError());
      const compression = o.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
      for (const messages of cut(batch, o.maxBatchBytes)) {
        await producer.send({
          topic,
          messages,
          acks: -1,
          timeout: o.requestTimeoutMs,
          compression,
        });
      }
      this.ctx.tracker.ok();
      return sendOk();
    } catch (error) {
      const mapped = kafkaError(error, `produce to "${topic}"`, this.ctx.secrets);
      if (isProducerStateError(error)) await this.reset();
      if (!mapped.retryable) return sendFailed(mapped);
      // The loop records the error itself (from the result): report the state only.
      this.ctx.tracker.lost();
      return sendRetryable(mapped);
    }
  }

  /** Drops the producer: the next send starts a new one (a new producer id and sequences). */
  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.starting = undefined;
    await producer?.disconnect().catch(() => {});
  }

  /** Waits for the send in flight, then disconnects; idempotent, never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inflight;
    await this.starting?.catch(() => undefined);
    await this.producer?.disconnect().catch(() => {});
    this.producer = undefined;
  }
}
