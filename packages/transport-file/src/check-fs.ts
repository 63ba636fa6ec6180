import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * Name of the scratch file the egress check writes (and removes at once) in the output
 * directory: `.edgeplane-doctor-<pid>-<8 hex>.tmp`. Nothing else is ever written by a check.
 */
export function scratchName(): string {
  return `.edgeplane-doctor-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/** Below this many free bytes where the egress writes, the `disk` check fails (64 MiB). */
export const DISK_FAIL_BYTES: number = 64 * 1024 * 1024;
/** Below this many free bytes, the `disk` check warns (1 GiB). */
export const DISK_WARN_BYTES: number = 1024 * 1024 * 1024;

/** The directory itself when it exists, else its nearest existing ancestor. */
export async function existingDir(dir: string): Promise<{ at: string; exists: boolean }> {
  let at = resolve(dir);
  for (;;) {
    const st = await stat(at).catch(() => undefined);
    if (st) {
      if (!st.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, '${at}'`), {
          code: 'ENOTDIR',
          path: at,
        });
      return { at, exists: at === resolve(dir) };
    }
    const parent = dirname(at);
    if (parent === at) return { at, exists: false };
    at = parent;
  }
}

/**
 * Whether files can be created in `dir` (or, when it is missing, in the ancestor `mkdirs` would
 * create it under), checked with `access(W_OK | X_OK)`: nothing is written.
 * @returns what was found, for the detail line.
 * @throws the native error (`EACCES`, `EROFS`, `ENOTDIR`).
 */
export async function writableDir(dir: string): Promise<string> {
  const { at, exists } = await existingDir(dir);
  await access(at, constants.W_OK | constants.X_OK);
  return exists ? `${at} is writable` : `${dir} will be created under ${at} (writable)`;
}

/**
 * Creates a scratch file (`scratchName()`, exclusive) in `dir` and removes it: proves a file can
 * be created there now (permissions, read-only file system, quota, full disk).
 * @throws the native error of the create or the write.
 */
export async function probeWrite(dir: string): Promise<void> {
  const path = join(dir, scratchName());
  const handle = await open(path, 'wx');
  try {
    await handle.write('edgeplane doctor\n');
  } finally {
    await handle.close();
    await unlink(path).catch(() => {});
  }
}

/** Free bytes for this user on the file system holding `dir` (or its nearest ancestor). */
export async function freeBytes(dir: string): Promise<{ free: number; total: number }> {
  const { at } = await existingDir(dir);
  const s = await statfs(at);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
}

/** `1.5 GiB`, `300 MiB`, `12 KiB`, `0 B`. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
