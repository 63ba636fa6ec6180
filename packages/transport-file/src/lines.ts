import type { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { overLongLine } from './errors.js';
import { FileMessage, type FileRef } from './message.js';

const LF = 0x0a;
const CR = 0x0d;
const LF_BYTE = Buffer.from([LF]);

/** Length of `buf[from, to)` without its trailing CR bytes. */
function withoutTrailingCr(buf: Buffer, from: number, to: number): number {
  let end = to;
  while (end > from && buf[end - 1] === CR) end--;
  return end - from;
}

/**
 * Splits chunks into lines. A line ends at LF; the CR bytes right before it (`CRLF`, `CR CR LF`)
 * and at the end of an unterminated last line belong to the terminator and are stripped, so a
 * body never ends with CR: whatever this source produces, the file sink can frame (the pair agree,
 * docs/transports/file.md "Framing"). A CR inside a line is kept. Bodies are
 * views into the chunk, except a line that spans chunks, which is copied once. Lines longer than
 * `maxLineBytes` are diverted (their original bytes go to `deadLetter`) or stop the splitter with
 * `failure`; they are never truncated.
 */
export class LineSplitter {
  /** Original bytes of over-long lines waiting to be appended to the dead-letter file. */
  deadLetter: Buffer[] = [];
  /** Over-long lines diverted so far. */
  deadLettered = 0;
  /** Set (and splitting stops) when an over-long line arrives without a dead-letter file. */
  failure: EdgeplaneError | undefined;
  /** Offset just after the last line consumed (a message or a diverted line). */
  consumed: number;
  /** Number of the next line, 1-based, when reading started at offset 0. */
  private line: number | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingStart = 0;
  private discarding = false;

  constructor(
    private readonly file: FileRef,
    start: number,
    private readonly maxLineBytes: number,
    private readonly divert: boolean,
  ) {
    this.consumed = start;
    this.line = start === 0 ? 1 : undefined;
  }

  /**
   * Appends the messages of `chunk` (which starts at file offset `offset`) to `out`, from index
   * `from` on, stopping after `limit` messages; returns where it stopped (`chunk.length` once the
   * whole chunk is consumed, the unterminated rest held for the next chunk). Call again with the
   * returned index to go on: splitting a large chunk a batch at a time keeps each step short.
   */
  push(
    chunk: Buffer,
    offset: number,
    out: FileMessage[],
    from: number = 0,
    limit: number = Number.POSITIVE_INFINITY,
  ): number {
    const len = chunk.length;
    if (this.failure) return len;
    let pos = from;
    const before = out.length;
    if (from === 0 && (this.pendingBytes > 0 || this.discarding)) {
      pos = this.continueLine(chunk, offset, out);
      if (pos < 0) return len;
    }
    const max = this.maxLineBytes;
    const file = this.file;
    let lines = 0;
    let stopped = false;
    while (pos < len) {
      if (out.length - before >= limit) {
        stopped = true;
        break;
      }
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) break;
      const length = withoutTrailingCr(chunk, pos, lf);
      if (length <= max) {
        out.push(new FileMessage(chunk, pos, length, offset + pos, offset + lf + 1, file));
      } else if (this.overLong([chunk.subarray(pos, lf + 1)], offset + pos, lines)) {
        this.deadLettered++;
      } else {
        return len;
      }
      lines++;
      pos = lf + 1;
    }
    if (this.line !== undefined) this.line += lines;
    this.consumed = offset + pos;
    if (stopped) return pos;
    if (pos < len) this.hold(chunk.subarray(pos), offset + pos);
    return len;
  }

  /** At a final end of file: the unterminated tail as a message (or diverted), if any. */
  takeTail(out: FileMessage[]): void {
    if (this.failure || (this.pendingBytes === 0 && !this.discarding)) return;
    const end = this.pendingStart + this.pendingBytes;
    if (this.discarding) {
      this.deadLetter.push(LF_BYTE);
      this.discarding = false;
      this.pendingBytes = 0;
      this.completeDiverted(end);
      return;
    }
    const body = this.takePending();
    const length = withoutTrailingCr(body, 0, body.length);
    if (length <= this.maxLineBytes) {
      out.push(new FileMessage(body, 0, length, this.pendingStart, end, this.file));
      if (this.line !== undefined) this.line++;
      this.consumed = end;
    } else if (this.overLong([body, LF_BYTE], this.pendingStart, 0)) {
      this.completeDiverted(end);
    }
  }

  /** Handles the start of `chunk` while a line is pending; returns where whole lines start, or -1. */
  private continueLine(chunk: Buffer, offset: number, out: FileMessage[]): number {
    const lf = chunk.indexOf(LF);
    if (this.discarding) {
      this.deadLetter.push(lf === -1 ? chunk : chunk.subarray(0, lf + 1));
      this.pendingBytes += lf === -1 ? chunk.length : lf + 1;
      if (lf === -1) return -1;
      this.discarding = false;
      this.pendingBytes = 0;
      this.completeDiverted(offset + lf + 1);
      return lf + 1;
    }
    if (lf === -1) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.checkPending();
      return -1;
    }
    this.pending.push(chunk.subarray(0, lf));
    this.pendingBytes += lf;
    const line = this.takePending();
    const length = withoutTrailingCr(line, 0, line.length);
    if (length <= this.maxLineBytes) {
      out.push(new FileMessage(line, 0, length, this.pendingStart, offset + lf + 1, this.file));
      if (this.line !== undefined) this.line++;
      this.consumed = offset + lf + 1;
    } else if (this.overLong([line, LF_BYTE], this.pendingStart, 0)) {
      this.completeDiverted(offset + lf + 1);
    } else {
      return -1;
    }
    return lf + 1;
  }

  /** Keeps an unterminated piece for the next chunk (or the final tail). */
  private hold(piece: Buffer, start: number): void {
    this.pending.push(piece);
    this.pendingBytes = piece.length;
    this.pendingStart = start;
    this.checkPending();
  }

  /** A pending line longer than the limit plus a CR is over-long before its LF arrives. */
  private checkPending(): void {
    if (this.pendingBytes <= this.maxLineBytes + 1) return;
    const pieces = this.pending;
    this.pending = [];
    if (this.overLong(pieces, this.pendingStart, 0)) this.discarding = true;
  }

  private takePending(): Buffer {
    const line =
      this.pending.length === 1
        ? (this.pending[0] as Buffer)
        : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }

  /**
   * Queues an over-long line's original bytes for the dead-letter file, or records the failure
   * (naming line `this.line + linesAhead`). Returns whether splitting goes on.
   */
  private overLong(pieces: Buffer[], start: number, linesAhead: number): boolean {
    if (this.divert) {
      for (const piece of pieces) this.deadLetter.push(piece);
      return true;
    }
    const line = this.line === undefined ? undefined : this.line + linesAhead;
    this.failure = overLongLine(this.file.path, start, line, this.maxLineBytes);
    return false;
  }

  private completeDiverted(end: number): void {
    this.deadLettered++;
    if (this.line !== undefined) this.line++;
    this.consumed = end;
  }
}
