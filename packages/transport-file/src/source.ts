import { type FileHandle, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { LagReading } from '@edgeplane/adapter-loop/transport';
import { type Checkpoint, isResumable, readCheckpoint, tailAt } from './checkpoint.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { badPosition, closedError, fileError, notRegularFile } from './errors.js';
import type { LineSplitter } from './lines.js';
import type { FileRef } from './message.js';
import { mkdirs } from './mkdirs.js';
import type { ResolvedFileOptions } from './options.js';
import { FileReader } from './reader.js';
import { StreamReader } from './stream-reader.js';

/** The default checkpoint file name inside `OpenContext.stateDir`. */
export const CHECKPOINT_FILE = 'file-ingress.offset';

/**
 * The source side's shared state: the committed checkpoint, the dead-letter file, the open
 * readers and the close signal. `receive()` iterations (receive.ts) run on top of it.
 */
export class FileSource {
  readonly closing: AbortController = new AbortController();
  /** Over-long lines diverted to `deadLetterPath`. */
  deadLettered = 0;
  readonly active: Set<FileReader | StreamReader> = new Set();
  private committed: Checkpoint | undefined;
  /** The file generation `committed` belongs to, once a reader resumed from it or acked in it. */
  private committedFile: FileRef | undefined;
  private writer: CheckpointWriter | undefined;
  private opening: Promise<void> | undefined;
  private deadLetter: FileHandle | undefined;
  private deadLetterUnsynced = false;
  private stdin: StreamReader | undefined;
  /** The splitter of stdin, kept across `receive()` calls (stdin cannot be re-read). */
  stdinSplitter: LineSplitter | undefined;
  /** `OpenContext.stateDir`: where the default checkpoint lives. */
  stateDir: string | undefined;

  constructor(
    readonly options: ResolvedFileOptions,
    private readonly input: () => Readable,
  ) {}

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Checks the file and loads the checkpoint; idempotent (a failed attempt can be retried). */
  open(): Promise<void> {
    this.opening ??= this.load(this.stateDir).catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async load(stateDir: string | undefined): Promise<void> {
    const { path, checkpointPath } = this.options;
    if (path === '-') return;
    // conformance "an unreachable server gives unavailable or not-found": ENOENT → not-found.
    const st = await stat(path).catch((error: unknown) => {
      throw fileError(error, 'open', path, 'source');
    });
    if (!st.isFile()) throw notRegularFile(path, st.isFIFO() ? 'a FIFO' : 'not a regular file');
    const file =
      checkpointPath ?? (stateDir === undefined ? undefined : join(stateDir, CHECKPOINT_FILE));
    if (file === undefined) return;
    this.writer = new CheckpointWriter(file, () => this.syncDeadLetters());
    this.committed = await readCheckpoint(file);
  }

  /** A reader positioned at `from`, else at the checkpoint (if it is of this file), else at 0. */
  async reader(from: string | undefined): Promise<FileReader | StreamReader> {
    if (this.options.path === '-') {
      if (from !== undefined) throw badPosition(from);
      this.stdin ??= new StreamReader(this.input());
      return this.stdin;
    }
    if (from !== undefined && !/^[0-9]{1,15}$/.test(from)) throw badPosition(from);
    const reader = await FileReader.open(this.options.path, this.options.readChunkBytes);
    const committed = this.committed;
    let resumable = isResumable(committed, await reader.state());
    // Same inode and not shrunk, but rewritten in place: the bytes before the offset differ.
    if (resumable && committed?.tail !== undefined) {
      resumable = (await tailAt(reader.file.readAt, committed.offset)) === committed.tail;
    }
    if (resumable) this.committedFile = reader.file;
    reader.seek(from !== undefined ? Number(from) : resumable ? (committed?.offset ?? 0) : 0);
    return reader;
  }

  /**
   * Records that everything before `offset` in `file` is acknowledged: in memory (a new
   * `receive()` resumes there), then on disk before resolving (the loop sends its next egress
   * batch only then, which bounds duplicates after a crash to one batch). Concurrent commits
   * coalesce into one write of the latest. Monotonic
   * within one file generation (a truncated or rotated file starts a new one); acks come in
   * receive order. `tail`: the fingerprint at `offset` when the caller has those bytes in memory
   * (`tailOf`), else it is read back from the file.
   */
  async commit(file: FileRef, offset: number, tail?: string): Promise<void> {
    if (this.closed) throw closedError();
    const last = this.committed;
    if (last && this.committedFile === file && offset <= last.offset) return;
    tail ??= await tailAt(file.readAt, offset);
    const checkpoint = {
      offset,
      dev: file.dev,
      ino: file.ino,
      size: Math.max(file.seen, offset),
      ...(tail !== undefined ? { tail } : {}),
      path: file.path,
    };
    this.committed = checkpoint;
    this.committedFile = file;
    this.writer?.schedule(checkpoint);
    await this.writer?.flush();
  }

  /** Diverted lines reach the disk before a checkpoint that passes them. */
  private async syncDeadLetters(): Promise<void> {
    if (!this.deadLetterUnsynced || !this.deadLetter) return;
    this.deadLetterUnsynced = false;
    await this.deadLetter.datasync();
  }

  /** Appends the splitter's diverted lines to the dead-letter file (synced before the next commit). */
  async flushDeadLetters(splitter: LineSplitter): Promise<void> {
    if (splitter.deadLetter.length === 0) return;
    const path = this.options.deadLetterPath as string;
    const bytes = Buffer.concat(splitter.deadLetter);
    splitter.deadLetter = [];
    try {
      if (!this.deadLetter) {
        await mkdirs(dirname(path));
        this.deadLetter = await open(path, 'a');
      }
      for (let at = 0; at < bytes.length; ) {
        at += (await this.deadLetter.write(bytes, at, bytes.length - at)).bytesWritten;
      }
    } catch (error) {
      throw fileError(error, 'append to dead-letter file', path, 'source');
    }
    this.deadLetterUnsynced = true;
  }

  /** Bytes between the newest reader's position and the end of its file. */
  async lag(): Promise<LagReading> {
    const reader = [...this.active].at(-1);
    if (!reader || reader instanceof StreamReader) return { lag: null, unit: 'bytes' };
    return { lag: Math.max(0, (await reader.size()) - reader.position), unit: 'bytes' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing.abort();
    await Promise.allSettled([...this.active].map((reader) => reader.close()));
    // close() does not reject: a checkpoint that could not be written only means redelivery.
    await this.writer?.close();
    await this.deadLetter?.close();
  }
}
