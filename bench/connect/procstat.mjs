// CPU time and memory of a running process and its descendants, read from /proc (Linux).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** `pid` and every descendant still alive (threads count with their process). */
function tree(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8');
      for (const c of children.trim().split(/\s+/)) if (c) pids.push(Number(c));
    } catch {
      // gone, or no children file: nothing below it
    }
  }
  return pids;
}

/** utime + stime of one process, in seconds (all its threads); undefined once it is gone. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM (peak RSS) of one process, in MiB. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/**
 * One sample of `pid`'s process tree: `cpuSeconds` (user + system since each process started),
 * `rssMiB` now and `hwmMiB` (the sum of each process's peak RSS), or undefined when `pid` is gone.
 */
export function sampleTree(pid) {
  if (cpuOf(pid) === undefined) return undefined;
  let cpuSeconds = 0;
  let rssMiB = 0;
  let hwmMiB = 0;
  for (const p of tree(pid)) {
    cpuSeconds += cpuOf(p) ?? 0;
    const m = memoryOf(p);
    rssMiB += m.rss;
    hwmMiB += m.hwm;
  }
  return { cpuSeconds, rssMiB, hwmMiB };
}

/** The 1, 5 and 15 minute load averages, as written in /proc/loadavg. */
export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
