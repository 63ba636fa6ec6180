// Runs one side of a pair (a long-running process that moves messages into a destination) and
// measures it from outside: how many messages the destination holds, sampled every `everyMs`,
// and the process tree's CPU time and peak RSS from /proc, until every message has landed.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleTree } from './procstat.mjs';

const running = new Set();

/** Kills (SIGKILL) every side still running: for an interrupted bench. */
export function killAll() {
  for (const child of running) child.kill('SIGKILL');
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
async function stop(child, graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/**
 * Starts `argv` (its output goes to `log`), and polls `count()` (messages at the destination;
 * undefined: not known this time)
 * until it reaches `expected`; then stops the process (SIGTERM). Fails when the process exits
 * first or nothing lands for `stallMs`. Returns, in seconds, MiB and messages:
 * - `steadySeconds` / `steadyMsgPerSec`: from the first sample that saw a message landed to the
 *   one that saw the last (start-up excluded), and `steadyCpuSeconds` spent in between;
 * - `totalSeconds` / `totalMsgPerSec` / `totalCpuSeconds`: from the spawn (start-up included);
 * - `peakRssMiB`: the process tree's VmHWM at the last sample.
 */
export async function runSide({
  argv,
  env,
  cwd,
  log,
  count,
  expected,
  everyMs = 100,
  stallMs = 90_000,
}) {
  const fd = openSync(log, 'a');
  const began = performance.now();
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  running.add(child);
  let first;
  let last;
  let sample;
  let landed = 0;
  let progressAt = performance.now();
  try {
    while (landed < expected) {
      await sleep(everyMs);
      const n = (await count()) ?? landed;
      const now = performance.now();
      const s = sampleTree(child.pid);
      if (s) sample = s;
      if (n > landed) progressAt = now;
      landed = Math.max(landed, n);
      if (landed > 0 && !first) first = { at: now, landed, cpu: sample?.cpuSeconds ?? 0 };
      if (landed >= expected) last = { at: now, cpu: sample?.cpuSeconds ?? 0 };
      else if (!s)
        throw new Error(
          `exited (code ${child.exitCode}) with ${landed} of ${expected} messages landed`,
        );
      else if (now - progressAt > stallMs)
        throw new Error(`no progress for ${stallMs} ms at ${landed} of ${expected} messages`);
    }
    if (landed !== expected)
      throw new Error(`the destination holds ${landed} messages, ${expected} expected`);
  } catch (error) {
    const tail = readFileSync(log, 'utf8').split('\n').slice(-30).join('\n');
    throw new Error(
      `${argv.slice(0, 3).join(' ')} …: ${error.message}\n--- ${log} (tail) ---\n${tail}`,
    );
  } finally {
    await stop(child);
    running.delete(child);
  }
  const steadySeconds = (last.at - first.at) / 1000;
  const totalSeconds = (last.at - began) / 1000;
  const steadyMessages = expected - first.landed;
  return {
    messages: expected,
    steadySeconds,
    steadyMsgPerSec: steadySeconds > 0 ? steadyMessages / steadySeconds : Number.NaN,
    steadyCpuSeconds: last.cpu - first.cpu,
    steadyCpuPerM:
      steadyMessages > 0 ? ((last.cpu - first.cpu) / steadyMessages) * 1e6 : Number.NaN,
    totalSeconds,
    totalMsgPerSec: expected / totalSeconds,
    totalCpuSeconds: last.cpu,
    peakRssMiB: sample?.hwmMiB ?? 0,
  };
}
