import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { ensureWritableDir } from '@edgeplane/adapter-loop';
import { type ClockReading, clockCheck, diskCheck } from './doctor-system.js';

/** One host check: `ok`, `warn` (works, but not tuned) or `fail` (the host is not ready). */
export interface DoctorCheck {
  readonly name: string;
  readonly status: 'ok' | 'warn' | 'fail';
  readonly detail: string;
  /** How to fix a `warn` or `fail`. */
  readonly fix?: string;
}

/** The doctor report; `ready` is false when any check failed (exit 3). */
export interface DoctorReport {
  readonly ready: boolean;
  readonly checks: readonly DoctorCheck[];
}

/** Minimum Node.js version (package.json `engines`). */
export const MIN_NODE: readonly [number, number] = [22, 22];
/** Open files a loop wants at least (sockets, files, checkpoints). */
export const MIN_OPEN_FILES = 1024;

/** Reads a soft/hard pair from /proc/self/limits (`unlimited` → Infinity); null when unknown. */
export function readLimit(name: string, text?: string): { soft: number; hard: number } | null {
  let body = text;
  if (body === undefined) {
    try {
      body = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const line = body.split('\n').find((l) => l.startsWith(name));
  if (!line) return null;
  const parts = line.slice(name.length).trim().split(/\s+/);
  const num = (v: string | undefined): number =>
    v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v);
  return { soft: num(parts[0]), hard: num(parts[1]) };
}

/** True when `version` (`v24.21.0` or `24.21.0`) is at least `MIN_NODE`, the packages' floor. */
export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

function nodeCheck(version: string): DoctorCheck {
  return isSupportedNode(version)
    ? { name: 'node', status: 'ok', detail: `Node.js ${version}` }
    : {
        name: 'node',
        status: 'fail',
        detail: `Node.js ${version} is older than ${MIN_NODE.join('.')}`,
        fix: `install Node.js ${MIN_NODE.join('.')} or newer (24 LTS recommended)`,
      };
}

function laneCheck(lanePath: string): DoctorCheck {
  if (ensureWritableDir(lanePath))
    return { name: 'lane_path', status: 'ok', detail: `${lanePath} is writable` };
  return {
    name: 'lane_path',
    status: 'fail',
    detail: `${lanePath} cannot be created or written`,
    fix: 'pass --lane-path= with a writable directory, or fix its permissions',
  };
}

function filesCheck(limits?: string): DoctorCheck {
  const l = readLimit('Max open files', limits);
  if (!l)
    return {
      name: 'open_files',
      status: 'warn',
      detail: 'cannot read the open-files limit',
      fix: 'check `ulimit -n`',
    };
  if (l.soft < MIN_OPEN_FILES) {
    return {
      name: 'open_files',
      status: 'fail',
      detail: `open-files limit ${l.soft} < ${MIN_OPEN_FILES}`,
      fix: `raise it: ulimit -n ${Math.min(65536, l.hard)} (or LimitNOFILE= in the unit)`,
    };
  }
  return {
    name: 'open_files',
    status: 'ok',
    detail: `open-files limit ${l.soft} (hard ${l.hard})`,
  };
}

function memlockCheck(limits?: string): DoctorCheck {
  const l = readLimit('Max locked memory', limits);
  if (!l)
    return {
      name: 'memlock',
      status: 'warn',
      detail: 'cannot read the locked-memory limit',
      fix: 'check `ulimit -l`',
    };
  const shown =
    l.soft === Number.POSITIVE_INFINITY ? 'unlimited' : `${Math.round(l.soft / 1024)} KiB`;
  return l.soft === Number.POSITIVE_INFINITY
    ? { name: 'memlock', status: 'ok', detail: `locked-memory limit ${shown}` }
    : {
        name: 'memlock',
        status: 'warn',
        detail: `locked-memory limit ${shown}: fine for the default profile, too low for isolated-core tuning`,
        fix: 'raise it (ulimit -l unlimited / LimitMEMLOCK=infinity) before memory-locked tuning',
      };
}

function cpuCheck(cpus: number): DoctorCheck {
  return cpus >= 2
    ? { name: 'cpus', status: 'ok', detail: `${cpus} CPUs available` }
    : {
        name: 'cpus',
        status: 'warn',
        detail: `${cpus} CPU available: the loop and its transports share it`,
        fix: 'give the host at least 2 CPUs for production traffic',
      };
}

/**
 * Host readiness checks (reference section 7): Node version, lane path writable, free disk at
 * the lane path (`LANE_DISK_*`), open-files and locked-memory limits, CPU count, memory, clock
 * synchronized (`warn` when it cannot tell, never `fail`). A contract check, not a benchmark;
 * the endpoints are checked by `checkEndpoints`. `clock` and `limits` replace what is read from
 * the system (tests).
 */
export function runDoctor(input: {
  readonly lanePath: string;
  readonly nodeVersion?: string;
  readonly cpus?: number;
  readonly limits?: string;
  readonly clock?: ClockReading;
}): DoctorReport {
  const checks: DoctorCheck[] = [
    nodeCheck(input.nodeVersion ?? process.version),
    laneCheck(input.lanePath),
    diskCheck(input.lanePath),
    filesCheck(input.limits),
    memlockCheck(input.limits),
    cpuCheck(input.cpus ?? availableParallelism()),
    { name: 'memory', status: 'ok', detail: `${Math.round(totalmem() / 2 ** 20)} MiB total` },
    clockCheck(input.clock),
  ];
  return { ready: checks.every((c) => c.status !== 'fail'), checks };
}
