import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { fileError, notRegularFile } from './errors.js';
import type { FileRef } from './message.js';

/** What `follow` finds at end of file. */
export type FileChange = 'same' | 'missing' | 'rotated' | 'truncated';

/** Reads a regular file in large chunks at explicit offsets (pread), tracking the position. */
export class FileReader {
  position = 0;
  private spare: Buffer | undefined;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    public file: FileRef,
    private readonly chunkBytes: number,
  ) {}

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
    };
    return new FileReader(handle, file, chunkBytes);
  }

  /**
   * The next chunk, or `null` at end of file. Each chunk is a fresh buffer that messages may keep
   * referencing; a small read (a few lines appended while following) is copied out instead, so a
   * 1 MiB buffer is not pinned by a few bytes, and that buffer is reused. (`_signal`: a file
   * read never blocks for long, so it is not raced against the abort.)
   */
  async read(_signal?: AbortSignal): Promise<Buffer | null> {
    const buffer = this.spare ?? Buffer.allocUnsafe(this.chunkBytes);
    this.spare = undefined;
    let bytesRead: number;
    try {
      ({ bytesRead } = await this.handle.read(buffer, 0, buffer.length, this.position));
    } catch (error) {
      this.spare = buffer;
      throw fileError(error, 'read', this.file.path, 'source');
    }
    if (bytesRead === 0) {
      this.spare = buffer;
      return null;
    }
    this.position += bytesRead;
    if (this.position > this.file.seen) this.file.seen = this.position;
    if (bytesRead > buffer.length >>> 3) return buffer.subarray(0, bytesRead);
    this.spare = buffer;
    return Buffer.from(buffer.subarray(0, bytesRead));
  }

  /** Size of the open file. */
  async size(): Promise<number> {
    return Number((await this.handle.stat()).size);
  }

  /** Current device/inode/size, for resuming from a checkpoint. */
  async state(): Promise<{ dev: string; ino: string; size: number }> {
    return { dev: this.file.dev, ino: this.file.ino, size: await this.size() };
  }

  /** Whether the file shrank below what was read (truncated) or `path` now names another file. */
  async change(): Promise<FileChange> {
    if ((await this.size()) < this.position) return 'truncated';
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
    this.position = 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** Reads a stream (stdin) chunk by chunk; it cannot seek, so there is no replay. */
export class StreamReader {
  position = 0;
  readonly file: FileRef = { path: '-', base: 'stdin', dev: '', ino: '', seen: 0 };
  private ended = false;
  private failed: unknown;

  constructor(private readonly stream: Readable) {
    stream.once('end', () => {
      this.ended = true;
    });
    stream.once('error', (error) => {
      this.failed = error;
    });
  }

  /** The next chunk, `null` at end of stream, or `null` once `signal` aborts. */
  async read(signal: AbortSignal): Promise<Buffer | null> {
    for (;;) {
      if (this.failed) throw fileError(this.failed, 'read', 'stdin', 'source');
      const chunk: unknown = this.stream.read();
      if (chunk !== null) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        this.position += buffer.length;
        this.file.seen = this.position;
        return buffer;
      }
      if (this.ended || this.stream.readableEnded || signal.aborted) return null;
      await this.wait(signal);
    }
  }

  private wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('readable', done);
        this.stream.off('end', done);
        this.stream.off('error', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.stream.on('readable', done);
      this.stream.on('end', done);
      this.stream.on('error', done);
      signal.addEventListener('abort', done);
    });
  }

  /** Leaves the stream as it is (stdin belongs to the process). */
  async close(): Promise<void> {}
}
