import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import type { Message } from 'rabbitmq-stream-js-client/dist/publisher.js';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A delivered message: the data section is the body, the properties' `subject` the key,
 * application properties the headers (non-string values, from other publishers, as text).
 * `id` (`<stream>@<offset>`, stable across redelivery) and `position` (the offset) are made on
 * first read: the loop's hot path does not need them.
 */
export class StreamMessage implements InboundMessage {
  readonly key: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;

  constructor(
    private readonly stream: string,
    /** The stream offset, as a bigint. */
    readonly offset: bigint,
    message: Message,
  ) {
    this.key = message.messageProperties?.subject;
    this.body = message.content;
    const properties = message.applicationProperties;
    let headers = NO_HEADERS;
    if (properties) {
      for (const name of Object.keys(properties)) {
        if (headers === NO_HEADERS) headers = {};
        (headers as Record<string, string>)[name] = String(properties[name]);
      }
    }
    this.headers = headers;
  }

  get id(): string {
    return `${this.stream}@${this.offset}`;
  }

  get position(): string {
    return String(this.offset);
  }

  /** `stream <stream> offset <offset>`, for an operator. */
  get origin(): string {
    return `stream ${this.stream} offset ${this.offset}`;
  }
}

/** Maps a delivered message (see `StreamMessage`). */
export function toInbound(stream: string, message: Message): StreamMessage {
  return new StreamMessage(stream, message.offset ?? 0n, message);
}
