import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import type { KafkaRecord } from '@platformatic/kafka';

const EMPTY_BODY = new Uint8Array(0);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Record headers are `[name, value]` Buffers, in record order: for a repeated name the last wins. */
function decodeHeaders(raw: KafkaRecord['headers']): Readonly<Record<string, string>> {
  if (!raw || raw.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const [name, value] of raw) {
    if (name === null) continue;
    out[name.toString()] = value === null || value === undefined ? '' : value.toString();
  }
  return out;
}

/**
 * One received Kafka record. `body` is a view of the fetch response (no copy); key and headers
 * are decoded (UTF-8) only when read, and `id` / `position` are built only when read.
 */
export class KafkaInboundMessage implements InboundMessage {
  private decodedHeaders: Readonly<Record<string, string>> | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The record's offset in its partition. */
    readonly offsetNumber: number,
    readonly raw: KafkaRecord,
  ) {}

  /** `<topic>/<partition>@<offset>`: stable across redelivery. */
  get id(): string {
    return `${this.topic}/${this.partition}@${this.offsetNumber}`;
  }

  /** `topic <topic> partition <p> offset <o>`: the position, for an operator. */
  get origin(): string {
    return `topic ${this.topic} partition ${this.partition} offset ${this.offsetNumber}`;
  }

  /** `<partition>:<offset>`, for `receive({ from })`. */
  get position(): string {
    return `${this.partition}:${this.offsetNumber}`;
  }

  /** The record's offset in its partition (decimal string, as kafkajs gave it). */
  get offset(): string {
    return String(this.offsetNumber);
  }

  get key(): string | undefined {
    const key = this.raw.key;
    return key === null || key === undefined ? undefined : key.toString();
  }

  get headers(): Readonly<Record<string, string>> {
    this.decodedHeaders ??= decodeHeaders(this.raw.headers);
    return this.decodedHeaders;
  }

  /** A null value (a tombstone) is an empty body. */
  get body(): Uint8Array {
    return this.raw.value ?? EMPTY_BODY;
  }

  get bodyLength(): number {
    return this.raw.value?.byteLength ?? 0;
  }
}
