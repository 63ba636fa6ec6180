import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { badCheckpoint, fileError } from './errors.js';
import { mkdirs } from './mkdirs.js';

/** Bytes before the checkpoint's offset kept as its fingerprint (`tail`). */
export const CHECKPOINT_TAIL_BYTES = 64;

/**
 * What the source remembers: the acknowledged offset in one file, identified by device and inode,
 * how many bytes that file had then (`size`), so that a rotated or truncated file is detected,
 * and the bytes just before the offset (`tail`), so that a file rewritten in place (same inode,
 * as large or larger: `cp new.log app.log`, an editor's save) is not resumed mid-way.
 */
export interface Checkpoint {
  readonly offset: number;
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
  /** Hex of the up to `CHECKPOINT_TAIL_BYTES` bytes before `offset`; absent in older checkpoints. */
  readonly tail?: string | undefined;
  /** For humans reading the file; not compared. */
  readonly path: string;
}

/** The current state of a file, to compare a checkpoint with. */
export interface FileState {
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
}

/**
 * Whether reading may resume at the checkpoint: it is of this file (same device and inode) and
 * the file has not shrunk below what was seen. Otherwise the file was rotated or truncated.
 */
export function isResumable(checkpoint: Checkpoint | undefined, file: FileState): boolean {
  if (!checkpoint) return false;
  const same = checkpoint.dev === file.dev && checkpoint.ino === file.ino;
  return same && file.size >= checkpoint.size;
}

/**
 * The fingerprint of `file` at `offset`: hex of the bytes just before it, or undefined when they
 * cannot be read (the file was closed, or `readAt` is absent).
 */
export async function tailAt(
  readAt: ((buffer: Buffer, position: number) => Promise<number>) | undefined,
  offset: number,
): Promise<string | undefined> {
  if (!readAt) return undefined;
  const length = Math.min(CHECKPOINT_TAIL_BYTES, offset);
  if (length === 0) return '';
  const buffer = Buffer.alloc(length);
  try {
    const n = await readAt(buffer, offset - length);
    return n === length ? buffer.toString('hex') : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a checkpoint; `undefined` if there is none. */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw fileError(error, 'read checkpoint', path, 'source');
  }
  let value: Partial<Record<keyof Checkpoint, unknown>>;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badCheckpoint(path, (error as Error).message);
  }
  const { offset, dev, ino, size, tail } = value;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(size) ||
    typeof dev !== 'string' ||
    typeof ino !== 'string' ||
    (tail !== undefined && (typeof tail !== 'string' || !/^([0-9a-f]{2})*$/.test(tail)))
  ) {
    throw badCheckpoint(path, 'expected {"offset", "dev", "ino", "size"}');
  }
  return {
    offset: offset as number,
    size: size as number,
    dev,
    ino,
    ...(typeof tail === 'string' ? { tail } : {}),
    path: String(value.path ?? ''),
  };
}

/**
 * Writes checkpoints atomically (temporary file, fdatasync, rename): `schedule()` returns at once,
 * at most one write runs, and checkpoints scheduled meanwhile coalesce into one write of the
 * latest. `flush()` waits for the last one; `ack()` awaits it, so an acknowledged position is on
 * disk (the directory entry itself is not fsynced: a power loss may roll back to the previous
 * checkpoint, which only redelivers).
 */
export class CheckpointWriter {
  private latest: Checkpoint | undefined;
  private writing: Promise<void> | undefined;
  private failure: EdgeplaneError | undefined;
  private dirReady = false;

  constructor(
    readonly path: string,
    /** Runs before each write (the dead-letter file is synced before a checkpoint passes it). */
    private readonly beforeWrite: () => Promise<void> = async () => {},
  ) {}

  /** Schedules `checkpoint`; throws (once) the error of an earlier write that failed. */
  schedule(checkpoint: Checkpoint): void {
    this.latest = checkpoint;
    const failure = this.failure;
    this.failure = undefined;
    this.writing ??= this.drain();
    if (failure) throw failure;
  }

  /** Waits until everything scheduled is on disk; throws if a write failed. */
  async flush(): Promise<void> {
    await this.writing;
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure;
  }

  private async drain(): Promise<void> {
    try {
      for (let next = this.latest; next; next = this.latest) {
        this.latest = undefined;
        try {
          await this.beforeWrite();
          await this.write(next);
        } catch (error) {
          this.latest ??= next; // retried with the next schedule()
          this.failure = fileError(error, 'write checkpoint', this.path, 'source');
          return;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(checkpoint: Checkpoint): Promise<void> {
    const tmp = `${this.path}.tmp`;
    if (!this.dirReady) await mkdirs(dirname(this.path));
    this.dirReady = true;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify({ v: 1, ...checkpoint })}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }
}
