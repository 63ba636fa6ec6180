import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { type LoopSnapshot, readSnapshotFile, SNAPSHOT_FILE } from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';

/**
 * What a lane's snapshot says about the loop:
 * - `live`: its writer runs; the document is current (rewritten every `loop.snapshotIntervalMs`);
 * - `final`: the run ended (`stopped` / `failed`): the document is its final snapshot, nothing runs;
 * - `stale`: the document says the loop runs, but its pid is dead (killed, crashed): it is what the
 *   loop last said, never the present;
 * - `idle`: the lane holds no snapshot at all: nothing has run there, the document is made up.
 */
export type LaneSnapshotStatus = 'live' | 'final' | 'stale' | 'idle';

/** A lane's snapshot document with its status. */
export interface LaneSnapshot {
  readonly snapshot: LoopSnapshot;
  readonly status: LaneSnapshotStatus;
  /** True only for `live`. */
  readonly running: boolean;
  /** The file read, or null for an idle document. */
  readonly path: string | null;
  /** Age of `captured_at` in ms (0 for an idle document). */
  readonly ageMs: number;
}

/**
 * Reads the snapshot in `lanePath` and says whether it is live, final or stale. Only when the lane
 * holds no snapshot at all is `idle()` called (e.g. `idleSnapshotFor(deployment)`): reading a lane
 * that has one needs no spec and no adapter config.
 * @throws EdgeplaneError `invalid-input` when the file is not a snapshot document, `permission-denied`
 * when it exists but cannot be read (never an idle document in its place); whatever `idle()` throws.
 */
export async function readLaneSnapshot(
  lanePath: string,
  idle: () => Promise<LoopSnapshot> | LoopSnapshot,
  now: number = Date.now(),
): Promise<LaneSnapshot> {
  const reading = await readSnapshotFile(lanePath, now);
  if (reading) return { ...reading, running: reading.status === 'live' };
  await unreadable(join(lanePath, SNAPSHOT_FILE));
  return { snapshot: await idle(), status: 'idle', running: false, path: null, ageMs: 0 };
}

/** Throws when `path` exists but cannot be read: a lane with a snapshot is never shown as idle. */
async function unreadable(path: string): Promise<void> {
  const errno = await access(path, constants.R_OK).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e.code,
  );
  if (errno === undefined || errno === 'ENOENT') return;
  throw new EdgeplaneError(
    'permission-denied',
    'app-kit',
    `cannot read the snapshot ${path}: ${errno === 'EACCES' ? 'permission denied' : errno} (${errno})`,
    { hint: `read it as the user that runs the loop, or give this user read access to ${path}` },
  );
}
