import type { InboundMessage, OutboundMessage } from '@edgeplane/adapter-loop/transport';
import type { ResolvedRedisStreamsOptions } from './options.js';

/** One stream entry as a Buffer reply gives it: `[id, [field, value, …]]`, or `[id, null]` once deleted. */
export type RawEntry = [Buffer, Buffer[] | null];

const EMPTY = new Uint8Array(0);

/** A received entry. `id` and `position` are the entry id (`1700000000000-0`). */
export interface StreamMessage extends InboundMessage {
  readonly id: string;
  readonly position: string;
}

/**
 * The documented mapping between messages and entry fields:
 * - the body is field `body` (bytes, binary-safe);
 * - the key is field `key`, absent when the message has none;
 * - header `x` is field `h:x` (UTF-8);
 * - on read, any other field (an entry someone else wrote) becomes a header under its own name,
 *   and an entry without a `body` field has an empty body.
 * Field names are options (`bodyField`, `keyField`, `headerPrefix`).
 */
export class FieldMapping {
  private readonly body: Buffer;
  private readonly key: Buffer;
  private readonly prefix: string;
  private readonly trim: (string | number)[];
  private readonly origin: string;

  constructor(options: ResolvedRedisStreamsOptions) {
    this.body = Buffer.from(options.bodyField);
    this.key = Buffer.from(options.keyField);
    this.prefix = options.headerPrefix;
    this.trim = options.maxLen === undefined ? [] : ['MAXLEN', '~', options.maxLen];
    this.origin = `stream ${options.stream} entry `;
  }

  /** `XADD` arguments after the command name: `stream [MAXLEN ~ n] * body <bytes> [key k] [h:x v]…`. */
  xaddArgs(stream: string, m: OutboundMessage): (string | number | Buffer)[] {
    const b = m.body;
    const bytes = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const args: (string | number | Buffer)[] = [stream, ...this.trim, '*', this.body, bytes];
    if (m.key !== undefined) args.push(this.key, m.key);
    if (m.headers)
      for (const name in m.headers) args.push(this.prefix + name, m.headers[name] ?? '');
    return args;
  }

  /** The message of an entry, or `undefined` for a pending entry whose data was deleted (`XDEL`, trimming). */
  decode(raw: RawEntry): StreamMessage | undefined {
    const id = raw[0].toString('latin1');
    const fields = raw[1];
    if (!fields) return undefined;
    let body: Uint8Array = EMPTY;
    let key: string | undefined;
    let headers: Record<string, string> | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i] as Buffer;
      const value = fields[i + 1] as Buffer;
      if (name.length === this.body.length && name.equals(this.body)) body = value;
      else if (name.length === this.key.length && name.equals(this.key))
        key = value.toString('utf8');
      else {
        const text = name.toString('utf8');
        headers ??= {};
        headers[text.startsWith(this.prefix) ? text.slice(this.prefix.length) : text] =
          value.toString('utf8');
      }
    }
    return { id, position: id, origin: this.origin + id, body, key, headers };
  }
}

/** The id of a raw entry, as a string. */
export function entryId(raw: RawEntry): string {
  return raw[0].toString('latin1');
}
