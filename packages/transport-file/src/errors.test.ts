import { describe, expect, it } from 'vitest';
import { fileError } from './errors.js';

const errno = (code: string) => Object.assign(new Error(`native ${code}`), { code });

describe('fileError', () => {
  it('maps errno codes to edgeplane codes, with the path and a hint where there is a fix', () => {
    const table: [string, string, string][] = [
      ['ENOENT', 'not-found', 'no such file or directory (ENOENT)'],
      ['EACCES', 'permission-denied', 'permission denied (EACCES)'],
      ['EROFS', 'permission-denied', 'read-only file system (EROFS)'],
      ['EISDIR', 'invalid-config', 'is a directory (EISDIR)'],
      ['ENOSPC', 'unavailable', 'no space left on device (ENOSPC)'],
      ['EMFILE', 'unavailable', 'too many open files (EMFILE)'],
      ['EFBIG', 'too-large', 'file too large (EFBIG)'],
      ['EPIPE', 'closed', 'the reading end of the pipe was closed (EPIPE)'],
    ];
    for (const [code, mapped, text] of table) {
      const e = fileError(errno(code), 'open', '/data/in.log', 'source');
      expect([e.code, e.message]).toEqual([
        mapped,
        `[transport:file] cannot open /data/in.log: ${text}`,
      ]);
      expect(e.cause).toBeInstanceOf(Error);
    }
    expect(fileError(errno('ENOENT'), 'open', '/x', 'source').hint).toBe(
      'check `path` (/x); the source reads an existing file',
    );
    expect(fileError(errno('EACCES'), 'open', '/x', 'sink').hint).toMatch(
      /^give the process \(uid \d+\) access to \/x$/,
    );
  });

  it('keeps unknown errors as internal with their own message, and EdgeplaneErrors as they are', () => {
    const e = fileError(errno('EWEIRD'), 'read', '/x', 'source');
    expect([e.code, e.message]).toEqual([
      'internal',
      '[transport:file] cannot read /x: native EWEIRD',
    ]);
    expect(fileError(e, 'open', '/y', 'sink')).toBe(e);
    expect(fileError(errno('ENOSPC'), 'write', '/x', 'sink').retryable).toBe(true);
  });
});
