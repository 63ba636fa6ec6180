import { mkdir, open, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EdgeplaneError, readInputFile } from '@edgeplane/errors';
import { isProcessAlive } from './lane.js';

/** File name of the lane lock (the pid of the loop that owns the lane path). */
export const LOCK_FILE = 'loop.pid';

/** The pid written in a lock file; '' when it is not a small regular file (then it is no lock). */
const readPid = (path: string): Promise<string> =>
  readInputFile(path, {
    what: 'lane lock',
    maxBytes: 64,
    component: 'adapter-loop',
    from: '--lane-path=',
  })
    .then((bytes) => bytes.toString('utf8'))
    .catch(() => '');

/**
 * Lane paths held by loops of this process (real paths). Kept on `globalThis` under a registry
 * symbol so two installed copies of this package in one process share it. A `loop.pid` holding
 * this process's pid but absent here is stale (a container restarted with the same pid).
 */
const HELD_KEY = Symbol.for('edgeplane.laneLocks');
const registry = globalThis as Record<symbol, Set<string> | undefined>;
const held: Set<string> = registry[HELD_KEY] ?? new Set<string>();
registry[HELD_KEY] = held;

const inUse = (lanePath: string, pid: number): EdgeplaneError =>
  new EdgeplaneError(
    'conflict',
    'adapter-loop',
    `lane path ${lanePath} is in use by a running loop (pid ${pid}${pid === process.pid ? ', this process' : ''})`,
    {
      details: { pid, lanePath },
      hint: 'stop that loop, or give this one its own lane path (--lane-path=, or lanePath)',
    },
  );

/**
 * Takes the lane path for this loop, so two loops never share checkpoints or snapshots — across
 * processes (the pid in `loop.pid`) and inside one process (a second loop on the same path).
 * A lock left by a dead process is taken over. Returns a release function that removes the lock
 * only if this loop still holds it.
 * @throws EdgeplaneError `conflict` when a live loop holds the lane path; `permission-denied`
 *   when the lock file cannot be written.
 */
export async function acquireLaneLock(lanePath: string): Promise<() => Promise<void>> {
  const path = join(lanePath, LOCK_FILE);
  await mkdir(lanePath, { recursive: true });
  const key = await realpath(lanePath);
  if (held.has(key)) throw inUse(lanePath, process.pid);
  held.add(key); // synchronously after the check: a concurrent loop in this process now sees it
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          await rm(path, { force: true });
          held.delete(key);
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw EdgeplaneError.from(error, 'adapter-loop', 'permission-denied');
        // Regular file, a few bytes: a FIFO planted as the lock must not hang the run (it is no lock).
        const pid = Number.parseInt(await readPid(path), 10);
        if (Number.isInteger(pid) && pid !== process.pid && isProcessAlive(pid))
          throw inUse(lanePath, pid);
        await rm(path, { force: true });
      }
    }
    throw new EdgeplaneError('conflict', 'adapter-loop', `could not take the lane lock ${path}`, {
      hint: 'remove the file if no loop runs',
    });
  } catch (error) {
    held.delete(key);
    throw error;
  }
}
