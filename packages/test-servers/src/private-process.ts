import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './lock.js';
import type { PrivateServer } from './types.js';

/** Every private server process this test process started and has not stopped yet. */
const running = new Set<number>();
/** Data directories of private servers, removed when this process exits. */
const dataDirs = new Set<string>();
let exitHookInstalled = false;

/** SIGKILLs what is still running when this process exits (synchronously: `exit` allows no more). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Removes `dir` when this process exits (after its servers were killed). */
export function removeAtExit(dir: string): void {
  installExitHook();
  dataDirs.add(dir);
}

/**
 * Spawns a private server process, in a process group of its own (a server started by a script,
 * RabbitMQ's, is the script and its `beam.smp`: signals go to the whole group), that never
 * outlives this (test) process: the group is killed on a normal exit (`exit` hook), and a
 * detached watchdog (`sh`) SIGKILLs it within a second once this process is gone, even after a
 * `kill -9` of the test runner.
 */
export function spawnPrivate(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; stdout: number },
): ChildProcess {
  installExitHook();
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', options.stdout, options.stdout],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${command}`);
  running.add(pid);
  child.once('exit', () => running.delete(pid));
  // the watchdog: polls its parent (this process), kills the server when the parent is gone
  const watchdog = spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -9 -- -${pid} 2>/dev/null`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  child.unref();
  return child;
}

/** Sends `signal` to the process group `pid` leads, if it runs; true if it was sent. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** True while a live (not zombie) process of the group `pid` leads exists. */
function groupAlive(pid: number): boolean {
  if (isAlive(pid)) return true;
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  // the leader is gone: look for live members (an orphaned beam.smp)
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^[0-9]+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) === pid && fields[0] !== 'Z') return true;
      } catch {
        // gone meanwhile
      }
    }
    return false;
  } catch {
    return false;
  }
}

/** Waits until the group `pid` leads is gone (or `timeoutMs` passed); false on timeout. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  running.delete(pid);
  return true;
}

/** SIGCONT (a paused process ignores SIGTERM until resumed), SIGTERM, then SIGKILL after `graceMs`. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  signal(pid, 'SIGCONT');
  if (!signal(pid, 'SIGTERM')) return;
  if (await waitGone(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitGone(pid, 30_000);
}

/**
 * `pause()` (SIGSTOP), `resume()` (SIGCONT) and `kill()` (SIGKILL, then waits up to 30 s for the
 * process to be gone) of the server process whose pid `pidOf()` returns now.
 */
export function signalControls(
  pidOf: () => number,
): Pick<PrivateServer, 'pause' | 'resume' | 'kill'> {
  return {
    pause: () => {
      signal(pidOf(), 'SIGSTOP');
    },
    resume: () => {
      signal(pidOf(), 'SIGCONT');
    },
    kill: async () => {
      const pid = pidOf();
      signal(pid, 'SIGKILL');
      await waitGone(pid, 30_000);
    },
  };
}
