import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitForTcp } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adapters,
  type CliResult,
  finished,
  readText,
  removeWorkdirs,
  spec,
  start,
  until,
  workdir,
} from './support/cli.js';

// Two `edgeplane run` processes over loopback: file → websocket (the egress, dialling) and
// websocket → file (the ingress, listening). Each test kills one of them with SIGKILL mid-run,
// restarts it, and checks that every line arrived, in order once duplicates are dropped, with
// duplicates bounded: by the ingress's window plus one egress batch (ingress killed), by one
// egress batch (egress killed: its file checkpoint).

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  removeWorkdirs();
});

const TOTAL = 30_000;
const BATCH = 256;
const WINDOW = 512;

function setup(port: number) {
  const input = Array.from({ length: TOTAL }, (_, i) => `record ${i} ${'x'.repeat(60)}`);
  const cwd = workdir({
    'spec.kv': spec(1024),
    'in.log': `${input.join('\n')}\n`,
    'from-ws.kv': adapters(
      { transport: 'websocket', listen: `127.0.0.1:${port}`, maxInFlight: WINDOW },
      { transport: 'file', path: 'out.log', fsync: 'batch' },
      { batchMaxMessages: BATCH },
    ),
    'to-ws.kv': adapters(
      { transport: 'file', path: 'in.log' },
      { transport: 'websocket', url: `ws://127.0.0.1:${port}/`, reconnectMaxDelayMs: 200 },
      { batchMaxMessages: BATCH, retryMaxDelayMs: 200, maxRetries: 1000 },
    ),
  });
  const run = (config: string, lane: string) => {
    const child = start(
      ['run', '--spec=spec.kv', `--config=${config}`, `--lane-path=${lane}`],
      cwd,
    );
    children.push(child);
    return { child, done: finished(child) };
  };
  const out = () => readText(join(cwd, 'out.log')).split('\n').slice(0, -1);
  return { input, cwd, out, run };
}

/** Checks the output: every input line, in order once later copies are dropped; returns duplicates. */
function check(input: string[], out: string[]): number {
  const seen = new Set<string>();
  const firsts: string[] = [];
  for (const line of out)
    if (!seen.has(line)) {
      seen.add(line);
      firsts.push(line);
    }
  expect(firsts.length, 'lines missing').toBe(input.length);
  expect(firsts).toEqual(input);
  return out.length - firsts.length;
}

const ok = (r: CliResult) => expect(r.code, r.stderr).toBe(0);

describe('kill -9 mid-run, then restart (built CLI, two processes)', () => {
  it('the ingress killed: the egress retries, the restarted ingress gets the rest; duplicates ≤ window + one batch', async () => {
    const port = await freePort();
    const { input, out, run } = setup(port);
    let ingress = run('from-ws.kv', 'lane-in');
    await waitForTcp('127.0.0.1', port, 20_000);
    const egress = run('to-ws.kv', 'lane-out');
    await until('5 000 lines out', () => out().length >= 5_000, 30_000, 10);
    ingress.child.kill('SIGKILL');
    await ingress.done;
    const atKill = out().length;
    expect(atKill).toBeLessThan(TOTAL);
    ingress = run('from-ws.kv', 'lane-in');
    ok(await egress.done); // it rode out the gap and finished once everything was acknowledged
    await until('every line out', () => new Set(out()).size >= TOTAL, 30_000);
    ingress.child.kill('SIGTERM');
    await ingress.done;
    const duplicates = check(input, out());
    console.log(`ingress killed after ${atKill} lines: ${duplicates} duplicates`);
    expect(duplicates).toBeLessThanOrEqual(WINDOW + BATCH);
  }, 90_000);

  it('the egress killed: restarted on its lane, it resumes from its checkpoint; duplicates ≤ one batch', async () => {
    const port = await freePort();
    const { input, out, run } = setup(port);
    const ingress = run('from-ws.kv', 'lane-in');
    await waitForTcp('127.0.0.1', port, 20_000);
    let egress = run('to-ws.kv', 'lane-out');
    await until('5 000 lines out', () => out().length >= 5_000, 30_000, 10);
    egress.child.kill('SIGKILL');
    await egress.done;
    const atKill = out().length;
    expect(atKill).toBeLessThan(TOTAL);
    egress = run('to-ws.kv', 'lane-out');
    ok(await egress.done);
    await until('every line out', () => new Set(out()).size >= TOTAL, 30_000);
    ingress.child.kill('SIGTERM');
    const stopped = await ingress.done;
    expect([0, 143], stopped.stderr).toContain(stopped.code); // 143: stopped by SIGTERM
    const duplicates = check(input, out());
    console.log(`egress killed after ${atKill} lines: ${duplicates} duplicates`);
    expect(duplicates).toBeLessThanOrEqual(BATCH);
  }, 90_000);
});
