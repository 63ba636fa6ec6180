import type { InboundMessage } from '@edgeplane/adapter-loop/transport';

/** The object a message came from, shared by all its messages. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  /** `framing=object`: the message is the whole object (its id is the key). */
  readonly whole: boolean;
}

/**
 * One message read from an object: its bytes (a view into the read chunk, no copy) and where it
 * lies (decoded byte offsets). `id`, `position` and `origin` are computed on access, so the hot
 * path allocates one object per line (as the file transport's `FileMessage`). The object's key
 * is `objectKey`: `key` stays the message's routing key, which objects do not carry.
 */
export class S3Message implements InboundMessage {
  /** The last message of its object: acknowledging it finishes the object (`afterAck`). */
  last = false;

  constructor(
    readonly object: ObjectRef,
    readonly body: Uint8Array,
    /** Offset of its first byte. */
    readonly start: number,
    /** Offset after it (after its LF): the position to resume after it. */
    readonly end: number,
  ) {}

  get objectKey(): string {
    return this.object.key;
  }

  /** `<key>@<offset of its first byte>`, or the key with `framing=object`: stable across redelivery. */
  get id(): string {
    return this.object.whole ? this.object.key : `${this.object.key}@${this.start}`;
  }

  /** `<key>@<offset after it>`: `receive({ from })` resumes right after it. */
  get position(): string {
    return `${this.object.key}@${this.end}`;
  }

  get origin(): string {
    return `object s3://${this.object.bucket}/${this.object.key} byte ${this.start}`;
  }
}
