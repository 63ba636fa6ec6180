import { execFileSync } from 'node:child_process';
import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DoctorCheck } from './doctor.js';

/** Free bytes at the lane path below which the `disk` host check fails (16 MiB). */
export const LANE_DISK_FAIL_BYTES: number = 16 * 1024 * 1024;
/**
 * Free bytes below which it warns (128 MiB). The lane path holds small files (the snapshot,
 * the lock, the transports' checkpoints), so a little room is enough; none at all stops the
 * checkpoints, and a loop that cannot checkpoint redelivers after a restart.
 */
export const LANE_DISK_WARN_BYTES: number = 128 * 1024 * 1024;

const MiB = 1024 * 1024;

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

/** Free space (bytes, and inodes) of the file system holding `path`, or its nearest ancestor. */
export function freeSpace(
  path: string,
): { readonly at: string; readonly free: number; readonly inodes: number } | null {
  let at = resolve(path);
  for (;;) {
    try {
      const s = statfsSync(at);
      return { at, free: s.bavail * s.bsize, inodes: s.files > 0 ? s.ffree : -1 };
    } catch {
      const parent = dirname(at);
      if (parent === at) return null;
      at = parent;
    }
  }
}

/**
 * Free disk at the lane path: `fail` below `LANE_DISK_FAIL_BYTES` (16 MiB) or with no free
 * inode, `warn` below `LANE_DISK_WARN_BYTES` (128 MiB), `warn` when it cannot be read.
 */
export function diskCheck(
  lanePath: string,
  space: ReturnType<typeof freeSpace> = freeSpace(lanePath),
): DoctorCheck {
  if (!space)
    return {
      name: 'disk',
      status: 'warn',
      detail: `cannot read the free space at ${lanePath}`,
      fix: `check \`df ${lanePath}\``,
    };
  const detail = `${formatBytes(space.free)} free at ${space.at}`;
  if (space.free < LANE_DISK_FAIL_BYTES || space.inodes === 0)
    return {
      name: 'disk',
      status: 'fail',
      detail: space.inodes === 0 ? `${detail}, no free inode` : detail,
      fix: 'free space there, or pass --lane-path= on another file system (checkpoints and the snapshot are written there)',
    };
  if (space.free < LANE_DISK_WARN_BYTES)
    return {
      name: 'disk',
      status: 'warn',
      detail,
      fix: `free space there (under ${LANE_DISK_WARN_BYTES / MiB} MiB)`,
    };
  return { name: 'disk', status: 'ok', detail };
}

/** Whether the clock is synchronized, as the system says: `yes`, `no`, or `unknown`. */
export type ClockReading = 'yes' | 'no' | 'unknown';

/**
 * Reads clock synchronization: `/run/systemd/timesync/synchronized` (systemd-timesyncd creates
 * it once synchronized), else `timedatectl show -p NTPSynchronized --value` (the kernel's view,
 * whatever NTP daemon runs; at most 2 s). `unknown` when neither answers (no systemd: a container).
 */
export function readClock(): ClockReading {
  if (existsSync('/run/systemd/timesync/synchronized')) return 'yes';
  try {
    const out = execFileSync('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return out === 'yes' ? 'yes' : out === 'no' ? 'no' : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The clock check: `ok` when synchronized, `warn` when not, or when it cannot tell (never `fail`:
 * an unknown clock is not a broken one). Certificates, tokens and timestamps in the messages
 * depend on it.
 */
export function clockCheck(reading: ClockReading = readClock()): DoctorCheck {
  if (reading === 'yes')
    return { name: 'clock', status: 'ok', detail: 'the system clock is synchronized (NTP)' };
  if (reading === 'no')
    return {
      name: 'clock',
      status: 'warn',
      detail: 'the system clock is not synchronized',
      fix: 'enable NTP (timedatectl set-ntp true, or chrony); TLS certificates and tokens need a right clock',
    };
  return {
    name: 'clock',
    status: 'warn',
    detail:
      'cannot tell whether the clock is synchronized (no systemd-timesyncd, timedatectl failed)',
    fix: 'check NTP on this host (chronyc tracking, ntpq -p) or on the container host',
  };
}
