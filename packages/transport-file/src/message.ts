import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import { CHECKPOINT_TAIL_BYTES } from './checkpoint.js';
import { lineNumberAt } from './line-number.js';

/** The file a message came from: its identity survives renames, so rotation is detectable. */
export interface FileRef {
  /** The path as configured. */
  readonly path: string;
  /** `basename(path)`, the prefix of message ids. */
  readonly base: string;
  /** Device and inode numbers, as decimal strings (64-bit safe). */
  readonly dev: string;
  readonly ino: string;
  /** Bytes known to exist in this file: the furthest offset read so far. */
  seen: number;
  /**
   * Reads bytes of this file at `position` into `buffer` (pread on the open handle); resolves
   * the count read. Absent, or rejecting once the file was closed: no fingerprint is taken.
   */
  readonly readAt?: ((buffer: Buffer, position: number) => Promise<number>) | undefined;
}

/**
 * One line of a file. The body is a view into the read chunk (no copy), made on first access:
 * the file sink copies whole runs of LF-terminated lines straight from the chunk without ever
 * materialising per-line views. `id` and `position` are computed on access too, so the hot path
 * allocates one object per line.
 */
export class FileMessage implements InboundMessage {
  /** The buffer the body lives in (the read chunk, or a copy for a line spanning chunks). */
  readonly chunk: Buffer;
  /** Index of the body's first byte in `chunk`. */
  readonly bodyStart: number;
  /** Body length in bytes (the `OutboundMessage.bodyLength` hint). */
  readonly bodyLength: number;
  /** Byte offset of the first byte of the line. */
  readonly start: number;
  /** Byte offset just after the line terminator (or after the last byte of an unterminated tail). */
  readonly end: number;
  readonly file: FileRef;
  private view: Buffer | undefined;

  constructor(
    chunk: Buffer,
    bodyStart: number,
    bodyLength: number,
    start: number,
    end: number,
    file: FileRef,
  ) {
    this.chunk = chunk;
    this.bodyStart = bodyStart;
    this.bodyLength = bodyLength;
    this.start = start;
    this.end = end;
    this.file = file;
    this.view = undefined;
  }

  /** The line without its terminator. */
  get body(): Buffer {
    this.view ??= this.chunk.subarray(this.bodyStart, this.bodyStart + this.bodyLength);
    return this.view;
  }

  /** True when the line ended with a single LF that directly follows the body in `chunk`. */
  get lfTerminated(): boolean {
    return (
      this.end - this.start === this.bodyLength + 1 &&
      this.chunk[this.bodyStart + this.bodyLength] === 0x0a
    );
  }

  /** `<basename>@<start offset>`, stable across redelivery and restarts. */
  get id(): string {
    return `${this.file.base}@${this.start}`;
  }

  /**
   * `file <path> line <n> byte <offset>` for an operator (the line number is counted from the
   * file on access; `line ?` when the file was rotated or is too large to scan).
   */
  get origin(): string {
    return `file ${this.file.path} line ${lineNumberAt(this.file, this.start) ?? '?'} byte ${this.start}`;
  }

  /** The decimal byte offset just after this line: `receive({ from })` resumes there. */
  get position(): string {
    return String(this.end);
  }
}

/**
 * The checkpoint fingerprint at `m.end` (hex of the up to `CHECKPOINT_TAIL_BYTES` bytes before
 * it, as `tailAt` reads them back from the file) when `m.chunk` holds them; undefined otherwise,
 * and the caller reads the file instead. Every buffer a body lives in holds the file's bytes
 * contiguously, index `m.bodyStart` being offset `m.start`: the read chunk, or a line copied out
 * of several chunks, which lacks the final LF, so the end index falls outside it and is refused.
 */
export function tailOf(m: FileMessage): string | undefined {
  const at = m.bodyStart + (m.end - m.start);
  const length = Math.min(CHECKPOINT_TAIL_BYTES, m.end);
  if (at > m.chunk.length || at < length) return undefined;
  return m.chunk.toString('hex', at - length, at);
}
