import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import type { KafkaMessage } from 'kafkajs';

const EMPTY_BODY = new Uint8Array(0);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** kafkajs header values are Buffers (or arrays of them for repeated names: the last one wins). */
function decodeHeaders(raw: KafkaMessage['headers']): Readonly<Record<string, string>> {
  if (!raw) return NO_HEADERS;
  const names = Object.keys(raw);
  if (names.length === 0) return NO_HEADERS;
  const out: Record<string, string> = {};
  for (const name of names) {
    let value = raw[name];
    if (Array.isArray(value)) value = value[value.length - 1];
    out[name] = value === undefined ? '' : value.toString();
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
    readonly raw: KafkaMessage,
  ) {}

  /** `<topic>/<partition>@<offset>`: stable across redelivery. */
  get id(): string {
    return `${this.topic}/${this.partition}@${this.raw.offset}`;
  }

  /** `<partition>:<offset>`, for `receive({ from })`. */
  get position(): string {
    return `${this.partition}:${this.raw.offset}`;
  }

  /** The record's offset in its partition (decimal string, as on the wire). */
  get offset(): string {
    return this.raw.offset;
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
