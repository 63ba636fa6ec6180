import type { Readable } from 'node:stream';
import { fileError } from './errors.js';
import type { FileRef } from './message.js';

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
    stream.on('error', (error) => {
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
