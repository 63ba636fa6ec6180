import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { badCheckpoint, fileError } from './errors.js';

/**
 * What the source remembers: the acknowledged offset in one file, identified by device and inode,
 * and how many bytes that file had then (`size`), so that a rotated or truncated file is detected.
 */
export interface Checkpoint {
  readonly offset: number;
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
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
  const { offset, dev, ino, size } = value;
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(size) ||
    typeof dev !== 'string' ||
    typeof ino !== 'string'
  ) {
    throw badCheckpoint(path, 'expected {"offset", "dev", "ino", "size"}');
  }
  return {
    offset: offset as number,
    size: size as number,
    dev,
    ino,
    path: String(value.path ?? ''),
  };
}

/**
 * Writes checkpoints atomically (temporary file, fdatasync, rename), one at a time; commits that
 * arrive while a write is running are coalesced into one write of the latest.
 */
export class CheckpointWriter {
  private latest: Checkpoint | undefined;
  private version = 0;
  private written = 0;
  private chain: Promise<void> = Promise.resolve();
  private dirReady = false;

  constructor(readonly path: string) {}

  /** Resolves once `checkpoint` (or a later one) is on disk. */
  commit(checkpoint: Checkpoint): Promise<void> {
    this.latest = checkpoint;
    this.version++;
    const done = this.chain.then(() => this.flush());
    this.chain = done.catch(() => {});
    return done;
  }

  private async flush(): Promise<void> {
    const version = this.version;
    const checkpoint = this.latest;
    if (version === this.written || !checkpoint) return;
    const tmp = `${this.path}.tmp`;
    try {
      if (!this.dirReady) await mkdir(dirname(this.path), { recursive: true });
      this.dirReady = true;
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(`${JSON.stringify({ v: 1, ...checkpoint })}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (error) {
      throw fileError(error, 'write checkpoint', this.path, 'source');
    }
    this.written = version;
  }
}
