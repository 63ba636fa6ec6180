import {
  type EdgeplaneError,
  type OutboundMessage,
  type RejectedMessage,
  type SendResult,
  sendFailed,
  sendPartial,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import { type MessageToProduce, Producer } from '@platformatic/kafka';
import { clientOptions } from './client.js';
import {
  cancelledError,
  closedError,
  isPoison,
  isUnknownTopic,
  kafkaError,
  refusedRecord,
  roleConfigError,
  tooLarge,
  topicDeleted,
  unlessAborted,
} from './errors.js';
import type { ResolvedKafkaOptions } from './options.js';
import type { ConnectionTracker } from './state.js';

type Message = MessageToProduce<string | undefined, Buffer, string, string>;
type KafkaProducer = Producer<string | undefined, Buffer, string, string>;

/** What the sink shares with the rest of the transport. */
export interface SinkContext {
  readonly options: ResolvedKafkaOptions;
  readonly tracker: ConnectionTracker;
  readonly secrets: readonly string[];
  /** Reports the client's lost and refused connections. */
  watch(client: KafkaProducer): void;
}

/** Longest `close()` waits for the send in flight. */
const CLOSE_GRACE_MS = 5000;

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
 * so no record batch exceeds the broker's `message.max.bytes`. Records without a key go to
 * partition `sticky` (the client takes it modulo the partition count).
 */
function cut(
  batch: readonly OutboundMessage[],
  indexes: readonly number[],
  limit: number,
  topic: string,
  sticky: number,
): Run[] {
  const runs: Run[] = [];
  let run: Run = { messages: [], indexes: [] };
  let bytes = 0;
  for (const index of indexes) {
    const m = batch[index] as OutboundMessage;
    const size = estimate(m);
    if (run.messages.length > 0 && bytes + size > limit) {
      runs.push(run);
      run = { messages: [], indexes: [] };
      bytes = 0;
    }
    const body = m.body;
    run.indexes.push(index);
    run.messages.push({
      topic,
      key: m.key,
      partition: m.key === undefined ? sticky : undefined,
      // The caller's bytes (a view, never a copy): nothing is mutated.
      value: Buffer.isBuffer(body)
        ? body
        : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      headers: m.headers && Object.keys(m.headers).length > 0 ? { ...m.headers } : undefined,
    });
    bytes += size;
  }
  if (run.messages.length > 0) runs.push(run);
  return runs;
}

/** Records sent in one `producer.send`, with their indexes in the loop's batch. */
interface Run {
  readonly messages: Message[];
  readonly indexes: number[];
}

/** Keys and header values are UTF-8 strings: encoded by the client, no copy made here. */
const serializers = {
  key: (key: string | undefined) => (key === undefined ? undefined : Buffer.from(key)),
  value: (value: Buffer | undefined) => value,
  headerKey: (name: string | undefined) => Buffer.from(name ?? ''),
  headerValue: (value: string | undefined) => Buffer.from(value ?? ''),
};

/**
 * The sink: an idempotent producer (`acks=-1`, one request in flight per connection), one
 * `producer.send` per batch (the client groups it per partition; keys pick the partition with
 * murmur2, as the Java client does; a batch's keyless records share one partition, the next
 * batch's the next), `ok` only once the brokers acknowledged every record.
 */
export class KafkaSink {
  private producer: KafkaProducer | undefined;
  private starting: Promise<KafkaProducer> | undefined;
  private inflight: Promise<unknown> = Promise.resolve();
  /** The partition (modulo the partition count) of the next batch's keyless records. */
  private sticky = 0;
  private closed = false;
  /** A permanent refusal (credentials) seen on a connection: every send fails with it. */
  private fatal: EdgeplaneError | undefined;
  /** The topic's id when the producer connected (a different one later: deleted, recreated). */
  private topicId: string | undefined;

  constructor(private readonly ctx: SinkContext) {}

  /** Fails every later send with `error` (a connection refused for its credentials). */
  fail(error: EdgeplaneError): void {
    this.fatal ??= error;
  }

  /**
   * Connects the producer (idempotent; a failed attempt can be retried). With `signal`, an abort
   * rejects at once with `cancelled`; the producer is then closed.
   */
  start(signal?: AbortSignal): Promise<KafkaProducer> {
    this.starting ??= this.connect(signal).catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return unlessAborted(this.starting, signal, 'connecting the producer');
  }

  private async connect(signal?: AbortSignal): Promise<KafkaProducer> {
    const o = this.ctx.options;
    const topic = sinkTopic(o);
    const producer = new Producer<string | undefined, Buffer, string, string>({
      ...(await clientOptions(o)),
      idempotent: true,
      acks: -1,
      // Only the `metadata` call below creates a missing topic (at open): a topic deleted
      // mid-run is not created again behind the operator's back by a send.
      autocreateTopics: false,
      compression: o.compression === 'gzip' ? 'gzip' : 'none',
      serializers,
    });
    this.ctx.watch(producer);
    try {
      await unlessAborted(producer.initIdempotentProducer({}), signal, 'connecting the producer');
      const metadata = await unlessAborted(
        producer.metadata({ topics: [topic], autocreateTopics: true }),
        signal,
        'connecting the producer',
      );
      this.topicId = metadata.topics.get(topic)?.id;
    } catch (error) {
      await producer.close(true).catch(() => {});
      throw kafkaError(error, `connect a producer for "${topic}"`, this.ctx.secrets);
    }
    this.producer = producer;
    return producer;
  }

  send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.closed) return Promise.resolve(sendFailed(closedError()));
    if (this.fatal) return Promise.resolve(sendFailed(this.fatal));
    if (signal?.aborted) return Promise.resolve(sendFailed(cancelledError()));
    const done = this.inflight.then(() => this.produce(batch));
    this.inflight = done.catch(() => {});
    return done;
  }

  /**
   * Sends what can be sent. A body over `maxBodyBytes` is rejected alone, before sending. A run
   * the brokers refuse for its content (MESSAGE_TOO_LARGE, INVALID_RECORD, CORRUPT_MESSAGE: the
   * produce response names the partition, not the record) is sent again one record at a time, so
   * exactly the refused records are rejected and the others taken, in order.
   */
  private async produce(batch: readonly OutboundMessage[]): Promise<SendResult> {
    const o = this.ctx.options;
    const rejected: RejectedMessage[] = [];
    const good: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i] as OutboundMessage;
      const bytes = m.bodyLength ?? m.body.byteLength;
      if (bytes > o.maxBodyBytes)
        rejected.push({ index: i, error: tooLarge(i, bytes, o.maxBodyBytes) });
      else good.push(i);
    }
    let topic: string;
    try {
      topic = sinkTopic(o);
    } catch (error) {
      return sendFailed(error as EdgeplaneError);
    }
    if (good.length === 0) return sendPartial(rejected);
    try {
      const producer = await this.start();
      if (this.closed) return sendFailed(closedError());
      // Keyless records: the whole batch to one partition, the next batch to the next one (as
      // the Java client's sticky partitioner does), not record by record round the partitions:
      // one record batch per request, fewer and larger appends for the broker.
      const sticky = this.sticky++;
      for (const run of cut(batch, good, o.maxBatchBytes, topic, sticky)) {
        try {
          await producer.send({ messages: run.messages });
        } catch (error) {
          if (!isPoison(error)) throw error;
          await this.oneByOne(producer, run, topic, rejected);
        }
      }
      this.ctx.tracker.ok();
      rejected.sort((a, b) => a.index - b.index);
      return sendPartial(rejected);
    } catch (error) {
      const gone = this.fatal ? undefined : await this.deleted(error, topic);
      if (gone) {
        this.fatal = gone;
        this.ctx.tracker.failed(gone);
        return sendFailed(gone);
      }
      // After a failed send the client starts a new producer id itself (new sequences).
      const mapped = this.fatal ?? kafkaError(error, `produce to "${topic}"`, this.ctx.secrets);
      if (!mapped.retryable) {
        if (mapped.code === 'unauthenticated' || mapped.code === 'permission-denied') {
          this.ctx.tracker.failed(mapped);
        }
        return sendFailed(mapped);
      }
      // The loop records the error itself (from the result): report the state only.
      this.ctx.tracker.lost(mapped);
      return sendRetryable(mapped);
    }
  }

  /**
   * After a send failed because the topic is unknown: is it gone, or a new topic of the same name
   * (another id)? Then the topic was deleted mid-run (`topicDeleted`, permanent).
   */
  private async deleted(error: unknown, topic: string): Promise<EdgeplaneError | undefined> {
    if (!isUnknownTopic(error) || !this.producer) return undefined;
    try {
      const m = await this.producer.metadata({
        topics: [topic],
        autocreateTopics: false,
        forceUpdate: true,
        retries: 0,
      });
      const id = m.topics.get(topic)?.id;
      if (id === undefined || this.topicId === undefined || id === this.topicId) return undefined;
      return topicDeleted(
        topic,
        `a new topic of that name exists now: its id changed from ${this.topicId} to ${id}`,
        'egress',
      );
    } catch (check) {
      return isUnknownTopic(check)
        ? topicDeleted(topic, 'it no longer exists', 'egress')
        : undefined;
    }
  }

  /** Sends a refused run's records one at a time; the refused ones join `rejected`. */
  private async oneByOne(
    producer: KafkaProducer,
    run: Run,
    topic: string,
    rejected: RejectedMessage[],
  ): Promise<void> {
    for (let k = 0; k < run.messages.length; k++) {
      const index = run.indexes[k] as number;
      try {
        await producer.send({ messages: [run.messages[k] as Message] });
      } catch (error) {
        if (!isPoison(error)) throw error;
        rejected.push({ index, error: refusedRecord(error, index, topic, this.ctx.secrets) });
      }
    }
  }

  /** Waits for the send in flight, then disconnects; idempotent, never rejects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A send stuck in the client's retries (brokers away) must not hold `close()`: after a grace
    // period the producer is closed under it (the send then fails; the loop sends it again later).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.inflight,
      new Promise((r) => {
        timer = setTimeout(r, CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    await this.starting?.catch(() => undefined);
    await this.producer?.close(true).catch(() => {});
    this.producer = undefined;
  }
}
