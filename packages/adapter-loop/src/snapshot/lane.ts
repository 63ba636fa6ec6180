import { accessSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EdgeplaneError, readInputFile } from '@edgeplane/errors';
import type { LoopSnapshot } from './types.js';

/** File name of the live snapshot inside the lane path. */
export const SNAPSHOT_FILE = 'snapshot.json';

/**
 * Makes sure `dir` exists and is writable, creating missing levels one at a time (Node's
 * recursive mkdir can spin forever under pseudo file systems such as /proc). With
 * `create: false`, only checks that it exists writable or could be created.
 */
export function ensureWritableDir(
  dir: string,
  options: { readonly create?: boolean } = {},
): boolean {
  const create = options.create ?? true;
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) return false;
      break;
    } catch {
      missing.unshift(at);
      const parent = dirname(at);
      if (parent === at) return false;
      at = parent;
    }
  }
  try {
    accessSync(at, constants.W_OK);
    if (!create) return true;
    for (const level of missing) mkdirSync(level);
    const probe = join(resolve(dir), `.probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    return true;
  } catch {
    return false;
  }
}

function writableDir(dir: string): boolean {
  return ensureWritableDir(dir);
}

/**
 * Resolves the lane path (reference decision 4): `explicit`, else `/run/byteor/<spec name>` when
 * writable, else `$XDG_RUNTIME_DIR/byteor/<spec name>`, else `<os tmp>/byteor/<spec name>`.
 * Creates the directory.
 * @throws EdgeplaneError `permission-denied` when an explicit path cannot be created or written.
 */
export function resolveLanePath(options: {
  readonly explicit?: string | undefined;
  readonly specName: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}): string {
  if (options.explicit) {
    if (!writableDir(options.explicit)) {
      throw new EdgeplaneError(
        'permission-denied',
        'adapter-loop',
        `lane path ${options.explicit} is not a writable directory`,
        {
          hint: 'give a directory this user can create and write (`lanePath`, CLI `--lane-path=`)',
        },
      );
    }
    return options.explicit;
  }
  const env = options.env ?? process.env;
  const candidates = [join('/run/byteor', options.specName)];
  if (env.XDG_RUNTIME_DIR) candidates.push(join(env.XDG_RUNTIME_DIR, 'byteor', options.specName));
  candidates.push(join(tmpdir(), 'byteor', options.specName));
  for (const dir of candidates) if (writableDir(dir)) return dir;
  throw new EdgeplaneError(
    'permission-denied',
    'adapter-loop',
    `no writable lane path (tried ${candidates.join(', ')})`,
    {
      hint: 'give a writable directory (`lanePath`, CLI `--lane-path=`)',
    },
  );
}

/** Writes the snapshot atomically (temp file + rename) into `lanePath/snapshot.json`. */
export async function writeSnapshotFile(lanePath: string, snapshot: LoopSnapshot): Promise<void> {
  await mkdir(lanePath, { recursive: true });
  const target = join(lanePath, SNAPSHOT_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(snapshot, null, 2)}\n`);
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}

/** A snapshot read from a lane path, with whether its writer is still alive. */
export interface SnapshotFileReading {
  readonly snapshot: LoopSnapshot;
  /** `live`: the writer runs; `stale`: it is dead yet the document says running; `final`: it ended. */
  readonly status: 'live' | 'stale' | 'final';
  readonly path: string;
  /** Age of `captured_at`, ms. */
  readonly ageMs: number;
}

/** True when a process with this pid exists (signal 0). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Largest `snapshot.json` a reader accepts: 16 MiB (a snapshot is a few KiB). */
const SNAPSHOT_MAX_BYTES: number = 16 * 1024 * 1024;

/**
 * Reads `lanePath/snapshot.json`; null when there is none (or it cannot be read: the caller says so).
 * @throws EdgeplaneError `invalid-input` when the file is not a snapshot document, not a regular
 *   file (a FIFO, a device) or larger than `SNAPSHOT_MAX_BYTES`.
 */
export async function readSnapshotFile(
  lanePath: string,
  now: number = Date.now(),
): Promise<SnapshotFileReading | null> {
  const path = join(lanePath, SNAPSHOT_FILE);
  let text: string;
  try {
    // A regular file only, bounded: a FIFO or a device planted in the lane must not hang a reader.
    text = (
      await readInputFile(path, {
        what: 'snapshot',
        maxBytes: SNAPSHOT_MAX_BYTES,
        component: 'adapter-loop',
        from: '--lane-path=',
        code: 'invalid-input',
      })
    ).toString('utf8');
  } catch (error) {
    const code = (error as EdgeplaneError).code;
    if (code === 'not-found' || code === 'permission-denied') return null;
    throw error;
  }
  let snapshot: LoopSnapshot;
  try {
    snapshot = JSON.parse(text) as LoopSnapshot;
    if (snapshot.mode !== 'adapter_loop' || !Array.isArray(snapshot.adapters))
      throw new Error('not a snapshot');
  } catch {
    throw new EdgeplaneError(
      'invalid-input',
      'adapter-loop',
      `${path} is not an edgeplane snapshot document`,
      {
        hint: 'delete the file; a running loop rewrites it every second',
      },
    );
  }
  const ended = snapshot.state === 'stopped' || snapshot.state === 'failed';
  const alive = snapshot.pid !== process.pid && isProcessAlive(snapshot.pid);
  const status = ended ? 'final' : alive ? 'live' : 'stale';
  return { snapshot, status, path, ageMs: now - Date.parse(snapshot.captured_at) };
}
