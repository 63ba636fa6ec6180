import { constants } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { type Checkpoint, encodeSlot, SLOT_BYTES } from './checkpoint.js';
import { fileError } from './errors.js';
import { mkdirs } from './mkdirs.js';

/** Read-write, created if missing, and every write durable (data) before it returns. */
const DSYNC_RW = constants.O_RDWR | constants.O_CREAT | constants.O_DSYNC;

/**
 * Writes checkpoints durably: `schedule()` returns at once, at most one write runs, and
 * checkpoints scheduled meanwhile coalesce into one write of the latest. `flush()` waits for the
 * last one; `ack()` awaits it, so an acknowledged position is on disk.
 *
 * The file has two slots (checkpoint.ts, `encodeSlot`), each with a sequence number and a CRC.
 * The first write of a run creates the file whole and atomically (temporary file written with
 * O_DSYNC, rename, fsync of the directory); every later write overwrites the OLDER slot in place
 * with one O_DSYNC pwrite: one system call, no new inode, no rename, and, the file's size never
 * changing, no metadata to journal. A crash (or power loss) in the middle of that pwrite can
 * tear only the slot being written; its CRC then fails and the reader takes the other slot, the
 * previous checkpoint, which is behind, never ahead: at worst one more batch is redelivered.
 * After a failed write the next one starts over with a whole new file.
 */
export class CheckpointWriter {
  private latest: Checkpoint | undefined;
  private writing: Promise<void> | undefined;
  private failure: EdgeplaneError | undefined;
  private handle: FileHandle | undefined;
  private seq = 0;

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

  /** Waits for the last write and closes the file (a later `schedule()` reopens it). */
  async close(): Promise<void> {
    await this.flush().catch(() => {});
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => {});
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
          const handle = this.handle;
          this.handle = undefined; // the next write starts over with a whole new file
          await handle?.close().catch(() => {});
          return;
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(checkpoint: Checkpoint): Promise<void> {
    this.seq++;
    const slot = encodeSlot(checkpoint, this.seq);
    if (this.handle) {
      await writeAll(this.handle, slot, (this.seq & 1) * SLOT_BYTES);
      return;
    }
    await mkdirs(dirname(this.path));
    const tmp = `${this.path}.tmp`;
    const handle = await open(tmp, DSYNC_RW | constants.O_TRUNC);
    try {
      const other = Buffer.alloc(SLOT_BYTES, 0x20);
      other[SLOT_BYTES - 1] = 0x0a;
      const both = this.seq & 1 ? [other, slot] : [slot, other];
      await writeAll(handle, Buffer.concat(both), 0);
      await rename(tmp, this.path);
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    this.handle = handle; // the renamed file: later writes go to it in place
    await syncDirectory(dirname(this.path));
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    at += (await handle.write(bytes, at, bytes.length - at, position + at)).bytesWritten;
  }
}

/** fsync of a directory, so that a rename in it survives a power loss (best effort). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => {});
  await handle?.close();
}
