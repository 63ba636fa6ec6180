import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import {
  type EdgeplaneError,
  type OutboundMessage,
  type SendResult,
  sendFailed,
  sendOk,
  sendPartial,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import { cancelledError, closedError, fileError } from './errors.js';
import { frameBatch } from './frame.js';
import { mkdirs } from './mkdirs.js';

/** Largest frame buffer kept for reuse between batches, in bytes. */
const MAX_SCRATCH_BYTES = 16 * 1024 * 1024;

import type { ResolvedFileOptions } from './options.js';

const asResult = (error: EdgeplaneError): SendResult =>
  error.retryable ? sendRetryable(error) : sendFailed(error);

/** open(2) flags of the sink: `append` or truncate; with `fsync=batch`, O_DSYNC. */
function openFlags(append: boolean, fsync: ResolvedFileOptions['fsync']): number {
  const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC, O_DSYNC } = constants;
  return O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | (fsync === 'batch' ? O_DSYNC : 0);
}

/**
 * The sink: one write per batch, durable per the `fsync` policy, then `ok`. A failed write is
 * undone (the file is truncated back) so a retry cannot leave half a line behind.
 *
 * `fsync=batch` opens the file with O_DSYNC: each write(2) returns only once its bytes (and the
 * size that makes them reachable) are on stable storage, like write + fdatasync, in one system
 * call instead of two. So `send()` resolves `ok` only for durable bytes; the loop acknowledges
 * the batch (the source's checkpoint write starts) only after that, and sends the next batch
 * only once that checkpoint is durable: the checkpoint is never durable ahead of the data.
 */
export class FileSink {
  private handle: FileHandle | undefined;
  private opening: Promise<void> | undefined;
  private size = 0;
  private syncable = false;
  /** Frame buffer reused across batches (writes are sequential). */
  private scratch: Buffer | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private syncError: EdgeplaneError | undefined;
  private inflight: Promise<unknown> = Promise.resolve();
  private streamError: unknown;
  private readonly onStreamError = (error: unknown) => {
    this.streamError = error;
  };
  private closed = false;

  constructor(
    private readonly options: ResolvedFileOptions,
    private readonly output: () => Writable,
  ) {}

  /** Opens (and creates) the file; idempotent, and a failed attempt can be retried. */
  open(): Promise<void> {
    this.opening ??= this.openFile().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async openFile(): Promise<void> {
    const { path, append, mkdir: makeDirs, fsync, fsyncIntervalMs } = this.options;
    if (path === '-') {
      // Without a listener, an EPIPE on stdout would crash the process instead of failing a send.
      this.output().on('error', this.onStreamError);
      return;
    }
    try {
      if (makeDirs) await mkdirs(dirname(path));
      this.handle = await open(path, openFlags(append, fsync));
      const st = await this.handle.stat();
      this.size = st.size;
      this.syncable = st.isFile();
    } catch (error) {
      await this.handle?.close();
      this.handle = undefined;
      throw fileError(error, 'open', path, 'sink');
    }
    if (fsync === 'interval' && this.syncable) {
      this.timer = setInterval(() => void this.syncNow().catch(() => {}), fsyncIntervalMs);
      this.timer.unref();
    }
  }

  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.closed) return sendFailed(closedError());
    if (signal?.aborted) return sendFailed(cancelledError());
    // One write at a time: the undo of a failed write assumes no other write interleaved, and
    // the frame buffer is reused once the previous write has finished with it.
    const done = this.inflight.then(() => {
      const { parts, bytes, buffer, rejected } = frameBatch(batch, this.scratch);
      if (buffer !== this.scratch && buffer.length <= MAX_SCRATCH_BYTES) this.scratch = buffer;
      if (bytes === 0) return sendPartial(rejected);
      return this.write(parts, bytes).then((r) => (r.status === 'ok' ? sendPartial(rejected) : r));
    });
    this.inflight = done.catch(() => {});
    return done;
  }

  /** Writes `parts` (`length` bytes in all): one write(2), or one writev(2) for several parts. */
  private async write(parts: Buffer[], length: number): Promise<SendResult> {
    try {
      await this.open();
    } catch (error) {
      return asResult(fileError(error, 'open', this.options.path, 'sink'));
    }
    if (this.syncError) return sendFailed(this.syncError);
    if (!this.handle)
      return this.writeStream(
        parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length),
      );
    const before = this.size;
    let at = 0;
    try {
      while (at < length) {
        // A regular file is written at explicit offsets (O_APPEND appends regardless), so that a
        // write after an undone one (truncated back) leaves no hole in a non-appending file.
        const position = this.syncable ? before + at : undefined;
        const [first] = parts;
        at +=
          parts.length === 1 && first
            ? (await this.handle.write(first, at, length - at, position ?? null)).bytesWritten
            : (await this.handle.writev(at === 0 ? parts : after(parts, at), position))
                .bytesWritten;
      }
      this.size += at;
      // fsync=batch: O_DSYNC made each write durable already.
      this.dirty = this.options.fsync !== 'batch';
      return sendOk();
    } catch (error) {
      const mapped = fileError(error, 'write', this.options.path, 'sink');
      const dsync = this.options.fsync === 'batch';
      // With O_DSYNC, a write whose sync failed may still have extended the file: undo it too.
      if (at === 0 && !(dsync && this.syncable)) return asResult(mapped);
      // EIO from a sync: the kernel may have dropped those pages; never report ok again (as
      // for a failed fdatasync).
      if (dsync && (error as { code?: unknown }).code === 'EIO') this.syncError = mapped;
      // Undo the partial batch, or a retry would glue half a line to the next one.
      const undone = await this.handle.truncate(before).then(
        () => true,
        () => false,
      );
      return undone && !this.syncError ? asResult(mapped) : sendFailed(mapped);
    }
  }

  private async writeStream(bytes: Buffer): Promise<SendResult> {
    const stream = this.output();
    try {
      if (this.streamError) throw this.streamError;
      await new Promise<void>((resolve, reject) => {
        stream.write(bytes, (error) => (error ? reject(error) : resolve()));
      });
      // Backpressure: do not report ok while the stream's buffer is over its high-water mark.
      if (stream.writableNeedDrain) await new Promise((r) => stream.once('drain', r));
      return sendOk();
    } catch (error) {
      return sendFailed(fileError(error, 'write', 'stdout', 'sink'));
    }
  }

  /** fdatasync if anything was written since the last one (regular files only). */
  private async syncNow(): Promise<void> {
    if (!this.dirty || !this.handle || !this.syncable) return;
    this.dirty = false;
    try {
      await this.handle.datasync();
    } catch (error) {
      this.syncError = fileError(error, 'fdatasync', this.options.path, 'sink');
      throw this.syncError;
    }
  }

  /** Waits for the send in flight, syncs (unless `fsync=never`) and closes; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.inflight;
    if (this.options.path === '-') this.output().off('error', this.onStreamError);
    if (!this.handle) return;
    if (this.options.fsync !== 'never') await this.syncNow().catch(() => {});
    await this.handle.close();
    this.handle = undefined;
  }
}

/** What remains of `parts` after its first `skip` bytes (a short writev). */
function after(parts: readonly Buffer[], skip: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const part of parts) {
    if (skip >= part.length) skip -= part.length;
    else {
      rest.push(skip > 0 ? part.subarray(skip) : part);
      skip = 0;
    }
  }
  return rest;
}
