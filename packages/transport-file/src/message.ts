import type { InboundMessage } from '@edgeplane/adapter-loop/transport';

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
}

/**
 * One line of a file: `body` is a view into the read chunk (no copy), without its terminator.
 * `id` and `position` are computed on access, so the hot path allocates no strings.
 */
export class FileMessage implements InboundMessage {
  readonly body: Buffer;
  /** Byte offset of the first byte of the line. */
  readonly start: number;
  /** Byte offset just after the line terminator (or after the last byte of an unterminated tail). */
  readonly end: number;
  readonly file: FileRef;

  constructor(body: Buffer, start: number, end: number, file: FileRef) {
    this.body = body;
    this.start = start;
    this.end = end;
    this.file = file;
  }

  /** `<basename>@<start offset>`, stable across redelivery and restarts. */
  get id(): string {
    return `${this.file.base}@${this.start}`;
  }

  /** The decimal byte offset just after this line: `receive({ from })` resumes there. */
  get position(): string {
    return String(this.end);
  }
}
