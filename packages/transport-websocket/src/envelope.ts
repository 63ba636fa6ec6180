/**
 * The `edgeplane.v1` ack protocol (docs/transports/websocket.md, "The edgeplane.v1 protocol"):
 * negotiated as the subprotocol `Sec-WebSocket-Protocol: edgeplane.v1`.
 *
 * Data frame (binary, sender → receiver), one per message:
 * ```text
 * byte 0        0x01 (data)
 * bytes 1..6    sequence number, unsigned 48-bit big-endian: 1, 2, 3… per connection
 * bytes 7..10   M, the meta length, unsigned 32-bit big-endian (0: no key, no headers)
 * next M bytes  meta: UTF-8 JSON {"k": key, "h": {name: value}} (each member optional)
 * the rest      the body, bytes unchanged
 * ```
 * Control frames (text, JSON, receiver → sender):
 * - `{"ack":N}`: every message up to and including sequence N was taken (cumulative), sent
 *   once the receiver's egress took them;
 * - `{"nack":N,"code":"invalid-input","reason":"…"}`: message N alone is refused for good
 *   (a frame that is not a valid data frame); later acks cover the messages after it.
 *
 * @module
 */

/** The subprotocol name. */
export const PROTOCOL: 'edgeplane.v1' = 'edgeplane.v1';
/** First byte of a data frame. */
export const DATA = 0x01;
/** Bytes before the meta: kind, sequence, meta length. */
export const HEADER_BYTES = 11;
/** Largest meta (key + headers as JSON) accepted, in bytes. */
export const MAX_META_BYTES: number = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The meta of a message: undefined when it has neither key nor headers. */
export function encodeMeta(
  key: string | undefined,
  headers: Readonly<Record<string, string>> | undefined,
): Uint8Array | undefined {
  const hasHeaders = headers !== undefined && Object.keys(headers).length > 0;
  if (key === undefined && !hasHeaders) return undefined;
  const meta: { k?: string; h?: Readonly<Record<string, string>> } = {};
  if (key !== undefined) meta.k = key;
  if (hasHeaders) meta.h = headers;
  return encoder.encode(JSON.stringify(meta));
}

/** One data frame: header, meta, body (copied once into one buffer). */
export function encodeData(seq: number, meta: Uint8Array | undefined, body: Uint8Array): Buffer {
  const m = meta?.byteLength ?? 0;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + m + body.byteLength);
  frame[0] = DATA;
  frame.writeUIntBE(seq, 1, 6);
  frame.writeUInt32BE(m, 7);
  if (meta) frame.set(meta, HEADER_BYTES);
  frame.set(body, HEADER_BYTES + m);
  return frame;
}

/** A decoded data frame. `body` is a view into the frame (no copy). */
export interface DataFrame {
  readonly seq: number;
  readonly key?: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Why a frame is not a data frame, with the sequence when it could be read. */
export class FrameError extends Error {
  constructor(
    readonly seq: number | undefined,
    reason: string,
  ) {
    super(reason);
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => typeof v === 'string');
}

/**
 * Decodes a binary frame.
 * @throws FrameError when it is not a valid data frame (with its sequence when readable).
 */
export function decodeData(frame: Buffer): DataFrame {
  if (frame.byteLength < HEADER_BYTES || frame[0] !== DATA)
    throw new FrameError(undefined, `not an ${PROTOCOL} data frame (${frame.byteLength} bytes)`);
  const seq = frame.readUIntBE(1, 6);
  const m = frame.readUInt32BE(7);
  if (m > MAX_META_BYTES || HEADER_BYTES + m > frame.byteLength)
    throw new FrameError(seq, `meta length ${m} is out of bounds`);
  const body = frame.subarray(HEADER_BYTES + m);
  if (m === 0) return { seq, headers: NO_HEADERS, body };
  let meta: unknown;
  try {
    meta = JSON.parse(decoder.decode(frame.subarray(HEADER_BYTES, HEADER_BYTES + m)));
  } catch {
    throw new FrameError(seq, 'meta is not UTF-8 JSON');
  }
  const { k, h } = (meta ?? {}) as { k?: unknown; h?: unknown };
  if (typeof meta !== 'object' || meta === null || (k !== undefined && typeof k !== 'string'))
    throw new FrameError(seq, 'meta.k (the key) must be a string');
  if (h !== undefined && !isStringRecord(h))
    throw new FrameError(seq, 'meta.h (the headers) must map names to strings');
  return { seq, key: k, headers: h ?? NO_HEADERS, body };
}

/** A control frame from the receiver. */
export type Control =
  | { readonly ack: number }
  | { readonly nack: number; readonly code: string; readonly reason: string };

/** Parses a control frame; undefined when it is not one. */
export function decodeControl(text: string): Control | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { ack?: unknown; nack?: unknown; code?: unknown; reason?: unknown };
  if (Number.isSafeInteger(v.ack)) return { ack: v.ack as number };
  if (Number.isSafeInteger(v.nack))
    return {
      nack: v.nack as number,
      code: typeof v.code === 'string' ? v.code : 'invalid-input',
      reason: typeof v.reason === 'string' ? v.reason : '',
    };
  return undefined;
}

/** `{"ack":N}`. */
export const ackFrame = (seq: number): string => `{"ack":${seq}}`;

/** `{"nack":N,"code":…,"reason":…}`. */
export const nackFrame = (seq: number, code: string, reason: string): string =>
  JSON.stringify({ nack: seq, code, reason });
