import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { EdgeplaneError, isEdgeplaneError } from '@edgeplane/adapter-loop/transport';
import type { S3Connection } from './client.js';
import { COMPONENT, nativeCode, objectTooLarge, s3Error } from './errors.js';
import { type ObjectRef, S3Message } from './message.js';

/** One message read from an object (see `S3Message`). */
export type RawMessage = S3Message;

/** One object of a listing. */
export interface Listed {
  readonly key: string;
  readonly size: number;
}

const LF = 0x0a;
const CR = 0x0d;

/** Whether an object is gzip: a `.gz` key (the answer's `Content-Encoding: gzip` is also honoured). */
export const isGzipKey = (key: string): boolean => key.endsWith('.gz');

/**
 * Lists one page of keys under the prefix after `after` (exclusive; S3 key order).
 * @returns the objects and the key to list after next, or undefined at the end.
 */
export async function listPage(
  conn: S3Connection,
  after: string | undefined,
  signal: AbortSignal,
  maxKeys = 1000,
): Promise<{ objects: Listed[]; more: boolean }> {
  const client = await conn.prepare();
  const o = conn.options;
  try {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: o.bucket,
        Prefix: o.prefix,
        MaxKeys: maxKeys,
        ...(after !== undefined && after !== '' ? { StartAfter: after } : {}),
      }),
      { abortSignal: signal },
    );
    const objects = (page.Contents ?? [])
      .filter(
        (c) =>
          c.Key !== undefined &&
          (o.moveToPrefix === undefined || !c.Key.startsWith(o.moveToPrefix)),
      )
      .map((c) => ({ key: c.Key as string, size: Number(c.Size ?? 0) }));
    return { objects, more: page.IsTruncated === true };
  } catch (error) {
    throw s3Error(error, {
      action: `list bucket "${o.bucket}" prefix "${o.prefix}"`,
      server: conn.server.label,
    });
  }
}

/** An object being read: the decoded stream, and the bytes of the answer counted as they come. */
interface Opened {
  readonly stream: Readable;
  /** Leading decoded bytes to drop (gzip resumes). */
  readonly skip: number;
  /** `Content-Length` of the answer (bytes on the wire), if given. */
  readonly size: number | undefined;
  /** Bytes of the answer received so far (counted for gzip; the plain reader counts its own). */
  readonly received: () => number;
  readonly gzip: boolean;
}

/**
 * Opens object `key` at decoded byte `from`: a ranged GET for a plain object, the whole object
 * decoded (the first `from` bytes dropped) for gzip.
 * @returns the decoded stream and how many leading bytes to drop, or undefined when there is
 *   nothing at or after `from` (the object is gone, or `from` is its end).
 */
async function openObject(
  conn: S3Connection,
  key: string,
  from: number,
  signal: AbortSignal,
): Promise<Opened | undefined> {
  const client = await conn.prepare();
  const o = conn.options;
  const get = async (ranged: boolean) => {
    try {
      return await client.send(
        new GetObjectCommand({
          Bucket: o.bucket,
          Key: key,
          ...(ranged ? { Range: `bytes=${from}-` } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      const code = nativeCode(error);
      // Deleted since listed, or `from` is its end: nothing more to read there.
      if (code === 'NoSuchKey' || code === 'InvalidRange') return undefined;
      throw s3Error(error, { action: `read object "${key}"`, server: conn.server.label });
    }
  };
  const gzipKey = isGzipKey(key);
  let answer = await get(!gzipKey && from > 0);
  if (!answer) return undefined;
  let gzip = gzipKey || answer.ContentEncoding === 'gzip';
  if (gzip && !gzipKey && from > 0) {
    // A ranged GET of gzip content cannot be decoded: read it from the start.
    (answer.Body as Readable | undefined)?.destroy();
    answer = await get(false);
    if (!answer) return undefined;
    gzip = true;
  }
  const body = answer.Body as Readable;
  const size = answer.ContentLength === undefined ? undefined : Number(answer.ContentLength);
  if (!gzip) return { stream: body, skip: 0, size, received: () => 0, gzip: false };
  const gunzip = createGunzip();
  let received = 0;
  body.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  body.on('error', (error) => gunzip.destroy(error));
  body.pipe(gunzip);
  return { stream: gunzip, skip: from, size, received: () => received, gzip: true };
}

/** An answer that ended before its `Content-Length`: the connection dropped (retryable). */
function cutShort(key: string, got: number, size: number): EdgeplaneError {
  return new EdgeplaneError(
    'unavailable',
    COMPONENT,
    `reading object ${JSON.stringify(key)} ended after ${got} of ${size} bytes (connection lost)`,
    { details: { key, got, size } },
  );
}

/**
 * The error of a read: a gzip stream that is not gzip (all of it arrived) is `invalid-input` and
 * stops the source; one cut short is the connection's (retryable); the rest as `s3Error`.
 */
function readError(
  error: unknown,
  key: string,
  opened: Opened,
  conn: S3Connection,
): EdgeplaneError {
  const zlib = (error as { code?: unknown } | undefined)?.code;
  if (opened.gzip && typeof zlib === 'string' && zlib.startsWith('Z_')) {
    if (opened.size !== undefined && opened.received() < opened.size)
      return cutShort(key, opened.received(), opened.size);
    return new EdgeplaneError(
      'invalid-input',
      COMPONENT,
      `object ${JSON.stringify(key)} is not valid gzip (${zlib}), though its key ends in .gz or it is stored with Content-Encoding: gzip`,
      {
        cause: error,
        details: { key },
        hint: 'remove or rename the object (or re-upload it compressed), then run again',
      },
    );
  }
  return s3Error(error, { action: `read object "${key}"`, server: conn.server.label });
}

/**
 * Reads object `key` from decoded byte `from` as LF-terminated lines, in batches of at most
 * `maxBatch` messages (never spanning objects). CRs before each LF are stripped; a last line
 * without LF is a message too. The last message of the object is marked `last`.
 * @throws EdgeplaneError mapped by `s3Error` (a stream that breaks mid-object included).
 */
export async function* readLines(
  conn: S3Connection,
  key: string,
  from: number,
  maxBatch: number,
  signal: AbortSignal,
): AsyncGenerator<RawMessage[]> {
  const opened = await openObject(conn, key, from, signal);
  if (!opened) return;
  const { stream } = opened;
  let skip = opened.skip;
  let plainBytes = 0; // bytes of a plain answer, to tell a complete object from a cut one
  let carry: Buffer | undefined; // bytes of an unfinished line
  let carryStart = from; // decoded offset of carry[0] (or of the next byte)
  let pending: RawMessage[] = [];
  const ref: ObjectRef = { bucket: conn.options.bucket, key, whole: false };
  const lineOf = (buf: Buffer, start: number, lf: number, base: number): RawMessage => {
    let stop = lf;
    while (stop > start && buf[stop - 1] === CR) stop--;
    return new S3Message(ref, buf.subarray(start, stop), base + start, base + lf + 1);
  };
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      plainBytes += raw.length;
      let chunk = raw;
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
      const base = carryStart;
      let start = 0;
      // Search for LF only in the new bytes: the carry has none.
      let lf = buf.indexOf(LF, carry ? carry.length : 0);
      while (lf !== -1) {
        pending.push(lineOf(buf, start, lf, base));
        start = lf + 1;
        lf = buf.indexOf(LF, start);
      }
      carry = start < buf.length ? buf.subarray(start) : undefined;
      carryStart = base + start;
      // Keep one message back: only the end of the object tells which one is `last`.
      while (pending.length > maxBatch) yield pending.splice(0, maxBatch);
    }
    const got = opened.gzip ? opened.received() : plainBytes;
    if (opened.size !== undefined && got < opened.size) throw cutShort(key, got, opened.size);
  } catch (error) {
    if (signal.aborted) return;
    // Whatever the stream said, an answer short of its Content-Length lost its connection.
    const got = opened.gzip ? opened.received() : plainBytes;
    if (opened.size !== undefined && got < opened.size && !isEdgeplaneError(error))
      throw cutShort(key, got, opened.size);
    throw readError(error, key, opened, conn);
  } finally {
    stream.destroy();
  }
  if (carry && carry.length > 0) {
    let stop = carry.length;
    while (stop > 0 && carry[stop - 1] === CR) stop--;
    pending.push(
      new S3Message(ref, carry.subarray(0, stop), carryStart, carryStart + carry.length),
    );
  }
  if (pending.length === 0) return;
  (pending[pending.length - 1] as RawMessage).last = true;
  while (pending.length > 0) yield pending.splice(0, maxBatch);
  pending = [];
}

/**
 * Reads object `key` whole as one message (`framing=object`), decoded when gzip; nothing when
 * `from` is past its start (it was read).
 * @throws EdgeplaneError `too-large` over `maxObjectBytes`; others mapped by `s3Error`.
 */
export async function readWhole(
  conn: S3Connection,
  key: string,
  from: number,
  signal: AbortSignal,
): Promise<RawMessage | undefined> {
  if (from > 0) return undefined;
  const opened = await openObject(conn, key, 0, signal);
  if (!opened) return undefined;
  const limit = conn.options.maxObjectBytes;
  if (opened.size !== undefined && opened.size > limit) {
    opened.stream.destroy();
    throw objectTooLarge(key, opened.size, limit);
  }
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of opened.stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw objectTooLarge(key, size, limit);
      parts.push(chunk);
    }
    if (opened.size !== undefined && !opened.gzip && size < opened.size)
      throw cutShort(key, size, opened.size);
    if (opened.gzip && opened.size !== undefined && opened.received() < opened.size)
      throw cutShort(key, opened.received(), opened.size);
  } catch (error) {
    throw readError(error, key, opened, conn);
  } finally {
    opened.stream.destroy();
  }
  // The end of a whole object is never 0, even for an empty one: `from` 1 means "read".
  const whole = new S3Message(
    { bucket: conn.options.bucket, key, whole: true },
    Buffer.concat(parts),
    0,
    Math.max(size, 1),
  );
  whole.last = true;
  return whole;
}
