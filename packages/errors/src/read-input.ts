import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { EdgeplaneError } from './index.js';

/** What `readInputFile` needs to name the file in its errors. */
export interface ReadInputOptions {
  /** What the file is, for messages: `spec`, `adapter config`, `option "tlsCaFile"`. */
  readonly what: string;
  /** Largest accepted size, in bytes. */
  readonly maxBytes: number;
  /** The component raising the error (`app-kit`, `transport:redis-streams`...). */
  readonly component: string;
  /** Where the path came from, for the hint: `--spec=`, `option "tlsCaFile"`. */
  readonly from: string;
  /** The path as the operator wrote it (default: `path`). */
  readonly shown?: string;
  /** Code for problems with the file itself (default `invalid-config`). */
  readonly code?: 'invalid-config' | 'invalid-input' | 'tls';
}

/** Default size limits of operator-supplied files, in bytes (docs/guide/8.security.md). */
export const INPUT_LIMITS: { readonly config: number; readonly credential: number } = {
  /** A spec or an adapter config: 1 MiB. */
  config: 1024 * 1024,
  /** A key set, a credential, a certificate, a key or a `.creds` file: 256 KiB. */
  credential: 256 * 1024,
};

/**
 * Reads an operator-supplied file (a spec, a config, a key set, a certificate) safely: only a
 * regular file (not a device, FIFO, socket or directory, so `/dev/zero` or a pipe cannot hang
 * or exhaust memory), and only up to `maxBytes` (checked before and while reading).
 * @returns the bytes of the file.
 * @throws EdgeplaneError `not-found` when the file does not exist; `permission-denied` when it
 *   cannot be read; `options.code` (default `invalid-config`) when it is not a regular file or is
 *   larger than `maxBytes`. Every message names the file and where its path came from.
 */
export async function readInputFile(path: string, options: ReadInputOptions): Promise<Buffer> {
  const shown = options.shown ?? path;
  const fail = (code: EdgeplaneError['code'], detail: string, hint: string, cause?: unknown) =>
    new EdgeplaneError(code, options.component, `${options.what} ${shown}: ${detail}`, {
      cause,
      hint,
      details: { file: shown, from: options.from },
    });
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw fail('not-found', 'does not exist', `check the path given to ${options.from}`, error);
    if (code === 'EACCES' || code === 'EPERM')
      throw fail(
        'permission-denied',
        'cannot be read (permission denied)',
        `make it readable by this user, or fix the path given to ${options.from}`,
        error,
      );
    if (code === 'EISDIR')
      throw fail(
        options.code ?? 'invalid-config',
        'is a directory, not a file',
        `give ${options.from} the path of a file`,
        error,
      );
    throw fail(
      options.code ?? 'invalid-config',
      `cannot be opened (${code ?? 'error'})`,
      `check the path given to ${options.from}`,
      error,
    );
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      throw fail(
        options.code ?? 'invalid-config',
        'is a directory, not a file',
        `give ${options.from} the path of a file`,
      );
    }
    if (!stat.isFile()) {
      throw fail(
        options.code ?? 'invalid-config',
        'is not a regular file (a device, a pipe or a socket is never read)',
        `give ${options.from} the path of a regular file`,
      );
    }
    const limit = options.maxBytes;
    const tooLarge = (size: string) =>
      fail(
        options.code ?? 'invalid-config',
        `is ${size}, over the limit of ${limit} bytes`,
        `check that ${options.from} names the right file`,
      );
    if (stat.size > limit) throw tooLarge(`${stat.size} bytes`);
    const buffer = Buffer.allocUnsafe(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > limit) throw tooLarge('larger');
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
