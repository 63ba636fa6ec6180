import type { OutboundMessage } from '@edgeplane/adapter-loop/transport';

/**
 * Publish frames (stream protocol Publish v1), encoded here rather than by the client: the
 * client's AMQP encoder writes an empty string as null (an empty header value would not
 * round-trip) and does not split a frame that outgrows `frame_max`. One message is an AMQP 1.0
 * message: `key` in the properties section's `subject` (RabbitMQ's routing-key field),
 * `headers` as string application properties, the body as one data section.
 */

/** size, key, version, publisher id, message count. */
const FRAME_HEADER = 4 + 2 + 2 + 1 + 4;
/** publishing id, message length. */
const ENTRY_HEADER = 8 + 4;
/** Most messages in one frame (the broker writes a frame as one chunk). */
export const FRAME_MAX_MESSAGES = 4096;

const PUBLISH = 0x0002;
const SECTION_PROPERTIES = 0x73;
const SECTION_APPLICATION_PROPERTIES = 0x74;
const SECTION_DATA = 0x75;

/** A message measured and with its strings encoded, ready to be written into frames. */
export interface Prepared {
  readonly body: Uint8Array;
  readonly key: Buffer | undefined;
  /** Header names and values, alternating. */
  readonly headers: readonly Buffer[];
  /** Bytes of the AMQP message. */
  readonly size: number;
}

const strSize = (bytes: Buffer): number => (bytes.length <= 255 ? 2 : 5) + bytes.length;

/** Measures `message` and encodes its strings (the message is not modified). */
export function prepare(message: OutboundMessage): Prepared {
  const body = message.body;
  let size = 3 + (body.byteLength <= 255 ? 2 : 5) + body.byteLength;
  const key = message.key === undefined ? undefined : Buffer.from(message.key, 'utf8');
  if (key) size += 3 + 1 + 4 + 4 + 3 + strSize(key);
  const headers: Buffer[] = [];
  const entries = message.headers ? Object.entries(message.headers) : [];
  if (entries.length > 0) {
    size += 3 + 1 + 4 + 4;
    for (const [name, value] of entries) {
      const n = Buffer.from(name, 'utf8');
      const v = Buffer.from(value, 'utf8');
      headers.push(n, v);
      size += strSize(n) + strSize(v);
    }
  }
  return { body, key, headers, size };
}

/** Bytes a frame holding only `message` needs. */
export function frameBytesOf(message: Prepared): number {
  return FRAME_HEADER + ENTRY_HEADER + message.size;
}

function writeStr(buf: Buffer, at: number, bytes: Buffer): number {
  if (bytes.length <= 255) {
    buf[at] = 0xa1;
    buf[at + 1] = bytes.length;
    at += 2;
  } else {
    buf[at] = 0xb1;
    buf.writeUInt32BE(bytes.length, at + 1);
    at += 5;
  }
  return at + bytes.copy(buf, at);
}

function writeSectionHead(buf: Buffer, at: number, section: number): number {
  buf[at] = 0x00;
  buf[at + 1] = 0x53;
  buf[at + 2] = section;
  return at + 3;
}

function writeMessage(buf: Buffer, at: number, m: Prepared): number {
  if (m.key) {
    at = writeSectionHead(buf, at, SECTION_PROPERTIES);
    buf[at] = 0xd0; // list32: size, count, then message-id, user-id, to (null) and subject
    buf.writeUInt32BE(4 + 3 + strSize(m.key), at + 1);
    buf.writeUInt32BE(4, at + 5);
    buf[at + 9] = 0x40;
    buf[at + 10] = 0x40;
    buf[at + 11] = 0x40;
    at = writeStr(buf, at + 12, m.key);
  }
  if (m.headers.length > 0) {
    at = writeSectionHead(buf, at, SECTION_APPLICATION_PROPERTIES);
    let bytes = 4;
    for (const h of m.headers) bytes += strSize(h);
    buf[at] = 0xd1; // map32: size, count (names and values), then the pairs
    buf.writeUInt32BE(bytes, at + 1);
    buf.writeUInt32BE(m.headers.length, at + 5);
    at += 9;
    for (const h of m.headers) at = writeStr(buf, at, h);
  }
  at = writeSectionHead(buf, at, SECTION_DATA);
  const n = m.body.byteLength;
  if (n <= 255) {
    buf[at] = 0xa0;
    buf[at + 1] = n;
    at += 2;
  } else {
    buf[at] = 0xb0;
    buf.writeUInt32BE(n, at + 1);
    at += 5;
  }
  buf.set(m.body, at);
  return at + n;
}

/**
 * Encodes `messages` with publishing ids `firstId`, `firstId + 1`, … into frames of at most
 * `frameMax` bytes and `FRAME_MAX_MESSAGES` messages. Every message must fit alone
 * (`frameBytesOf(m) <= frameMax`, checked by the caller). `skip` leading messages are left out
 * (already confirmed), keeping their ids.
 */
export function encodeFrames(
  publisherId: number,
  firstId: bigint,
  messages: readonly Prepared[],
  frameMax: number,
  skip = 0,
): Buffer[] {
  const frames: Buffer[] = [];
  let i = skip;
  while (i < messages.length) {
    let bytes = FRAME_HEADER;
    let end = i;
    while (end < messages.length && end - i < FRAME_MAX_MESSAGES) {
      const next = ENTRY_HEADER + (messages[end] as Prepared).size;
      if (end > i && bytes + next > frameMax) break;
      bytes += next;
      end++;
    }
    const buf = Buffer.allocUnsafe(bytes);
    buf.writeUInt32BE(bytes - 4, 0);
    buf.writeUInt16BE(PUBLISH, 4);
    buf.writeUInt16BE(1, 6);
    buf[8] = publisherId;
    buf.writeUInt32BE(end - i, 9);
    let at = FRAME_HEADER;
    for (let k = i; k < end; k++) {
      const m = messages[k] as Prepared;
      buf.writeBigUInt64BE(firstId + BigInt(k), at);
      buf.writeUInt32BE(m.size, at + 8);
      at = writeMessage(buf, at + ENTRY_HEADER, m);
    }
    frames.push(buf);
    i = end;
  }
  return frames;
}
