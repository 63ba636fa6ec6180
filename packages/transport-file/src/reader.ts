import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileError, notRegularFile } from './errors.js';
import type { FileRef } from './message.js';

/** What `follow` finds at end of file. */
export type FileChange = 'same' | 'missing' | 'rotated' | 'truncated';

/** Bytes kept from just before the position, to notice a file truncated and rewritten past it. */
const FINGERPRINT_BYTES = 16;

/** Reads a regular file in large chunks at explicit offsets (pread), tracking the position. */
export class FileReader {
  private offset = 0;
  /** The last bytes read, ending at `position`; empty after a seek. */
  private fingerprint: Buffer = Buffer.alloc(0);
  private spare: Buffer | undefined;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    public file: FileRef,
    private readonly chunkBytes: number,
  ) {}

  /** The offset the next read starts at. */
  get position(): number {
    return this.offset;
  }

  /** Moves the read position (to a checkpoint, a replay position or a nack). */
  seek(offset: number): void {
    this.offset = offset;
    this.fingerprint = Buffer.alloc(0);
  }

  /** Opens `path`, which must be a regular file. */
  static async open(path: string, chunkBytes: number): Promise<FileReader> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw fileError(error, 'open', path, 'source');
    }
    const st = await handle.stat({ bigint: true });
    if (!st.isFile()) {
      await handle.close();
      throw notRegularFile(
        path,
        st.isFIFO() ? 'a FIFO' : st.isDirectory() ? 'a directory' : 'not a file',
      );
    }
    const file: FileRef = {
      path,
      base: basename(path),
      dev: String(st.dev),
      ino: String(st.ino),
      seen: 0,
      readAt: async (buffer, position) =>
        (await handle.read(buffer, 0, buffer.length, position)).bytesRead,
    };
    return new FileReader(handle, file, chunkBytes);
  }

  /**
   * The next chunk, `null` at end of file, or `'truncated'` when the bytes just before the
   * position changed (the file was truncated and rewritten past it). One pread re-reads those
   * bytes and the new ones, so the check and the read cannot be torn apart by a rewrite.
   * Each chunk is a fresh buffer that messages may keep referencing; a small read (a few lines
   * appended while following) is copied out instead, so a 1 MiB buffer is not pinned by a few
   * bytes, and that buffer is reused. (`_signal`: a file read does not block for long.)
   */
  async read(_signal?: AbortSignal): Promise<Buffer | null | 'truncated'> {
    const buffer = this.spare ?? Buffer.allocUnsafe(this.chunkBytes + FINGERPRINT_BYTES);
    this.spare = undefined;
    const k = this.fingerprint.length;
    let n: number;
    try {
      ({ bytesRead: n } = await this.handle.read(buffer, 0, this.chunkBytes + k, this.offset - k));
    } catch (error) {
      this.spare = buffer;
      throw fileError(error, 'read', this.file.path, 'source');
    }
    if (k > 0 && (n < k || buffer.compare(this.fingerprint, 0, k, 0, k) !== 0)) {
      this.spare = buffer;
      return 'truncated';
    }
    if (n === k) {
      this.spare = buffer;
      return null;
    }
    this.offset += n - k;
    if (this.offset > this.file.seen) this.file.seen = this.offset;
    this.fingerprint = Buffer.from(buffer.subarray(Math.max(0, n - FINGERPRINT_BYTES), n));
    if (n - k > this.chunkBytes >>> 3) return buffer.subarray(k, n);
    this.spare = buffer;
    return Buffer.from(buffer.subarray(k, n));
  }

  /** Size of the open file. */
  async size(): Promise<number> {
    return Number((await this.handle.stat()).size);
  }

  /** Current device/inode/size, for resuming from a checkpoint. */
  async state(): Promise<{ dev: string; ino: string; size: number }> {
    return { dev: this.file.dev, ino: this.file.ino, size: await this.size() };
  }

  /**
   * Whether the file was truncated (it shrank below the position, or the bytes just before the
   * position changed: truncated and rewritten past it) or `path` now names another file (rotated).
   */
  async change(): Promise<FileChange> {
    if ((await this.size()) < this.offset) return 'truncated';
    const length = this.fingerprint.length;
    if (length > 0) {
      const probe = Buffer.alloc(length);
      await this.handle.read(probe, 0, length, this.offset - length);
      if (!probe.equals(this.fingerprint)) return 'truncated';
    }
    try {
      const st = await stat(this.file.path, { bigint: true });
      const same = String(st.ino) === this.file.ino && String(st.dev) === this.file.dev;
      return same ? 'same' : 'rotated';
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return 'missing';
      throw fileError(error, 'stat', this.file.path, 'source');
    }
  }

  /** Starts over at offset 0 of the same (truncated) file, as a new file identity. */
  restart(): void {
    this.file = { ...this.file, seen: 0 };
    this.seek(0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
