import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './lock.js';

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
        process.kill(pid, 'SIGKILL');
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
 * Spawns a private server process that never outlives this (test) process: it is killed on a
 * normal exit (`exit` hook), and a detached watchdog (`sh`) SIGKILLs it within a second once this
 * process is gone, even after a `kill -9` of the test runner.
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
      `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -9 ${pid} 2>/dev/null`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  child.unref();
  return child;
}

/** Sends `signal` to `pid` if it runs; true if it was sent. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone (or `timeoutMs` passed); false on timeout. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
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
