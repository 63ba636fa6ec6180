import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitForTcp } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adapters,
  finished,
  readLines,
  removeWorkdirs,
  sleep,
  spec,
  start,
  workdir,
} from './support/cli.js';

/**
 * kill -9 of either process of a file → http → file pair, then a restart of it: nothing is lost,
 * the order of first arrivals is the input's, and duplicates stay within the window (the
 * ingress's `maxInFlight`, or the sender's unacknowledged batch).
 */
const N = 20_000;
const WINDOW = 64;
const lines = Array.from({ length: N }, (_, i) => `crash line ${i}`);
const PATIENT = {
  maxRetries: 100_000,
  retryMinDelayMs: 20,
  retryMaxDelayMs: 200,
  batchMaxMessages: 256,
};
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  removeWorkdirs();
});

function setup(port: number) {
  return workdir({
    'spec.kv': spec(),
    'in.log': `${lines.join('\n')}\n`,
    'from-http.kv': adapters(
      { transport: 'http', listen: `127.0.0.1:${port}`, framing: 'ndjson', maxInFlight: WINDOW },
      { transport: 'file', path: 'out.log' },
    ),
    'to-http.kv': adapters(
      { transport: 'file', path: 'in.log' },
      {
        transport: 'http',
        url: `http://127.0.0.1:${port}/`,
        batching: 'ndjson',
        maxInFlight: WINDOW,
      },
      PATIENT,
    ),
  });
}

const run = (cwd: string, config: string, lane: string) => {
  const child = start(
    ['run', '--spec=spec.kv', `--config=${config}`, `--lane-path=${lane}`, '--json'],
    cwd,
  );
  children.push(child);
  return child;
};

async function waitFor(what: string, probe: () => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Every input line arrived, first arrivals in input order; returns the number of duplicates. */
function check(out: string[]): number {
  const seen = new Set<string>();
  const first: string[] = [];
  for (const l of out) {
    if (seen.has(l)) continue;
    seen.add(l);
    first.push(l);
  }
  expect(first.length, 'distinct lines').toBe(N);
  expect(first).toEqual(lines);
  return out.length - N;
}

describe('kill -9 and restart (two CLI processes, ndjson)', () => {
  it('kill -9 of the ingress process mid-run: the egress retries, the restarted ingress gets the rest', async () => {
    const port = await freePort();
    const cwd = setup(port);
    const out = join(cwd, 'out.log');
    const reader = run(cwd, 'from-http.kv', 'lane-b');
    await waitForTcp('127.0.0.1', port, 20_000);
    const writer = run(cwd, 'to-http.kv', 'lane-a');
    const writing = finished(writer);
    await waitFor('a first part', () => readLines(out).length >= N / 4);
    reader.kill('SIGKILL');
    await finished(reader);
    const before = readLines(out).length;
    expect(before).toBeLessThan(N);
    const again = run(cwd, 'from-http.kv', 'lane-b');
    const written = await writing;
    expect(written.code, written.stderr).toBe(0);
    again.kill('SIGTERM');
    await finished(again);
    const dup = check(readLines(out));
    expect(dup, 'duplicates').toBeLessThanOrEqual(WINDOW);
  }, 90_000);

  it('the peer restarts mid-run (SIGTERM of the ingress, started again): the run recovers on its own, nothing lost', async () => {
    const port = await freePort();
    const cwd = setup(port);
    const out = join(cwd, 'out.log');
    const reader = run(cwd, 'from-http.kv', 'lane-b');
    await waitForTcp('127.0.0.1', port, 20_000);
    const writing = finished(run(cwd, 'to-http.kv', 'lane-a'));
    await waitFor('a first part', () => readLines(out).length >= N / 4);
    reader.kill('SIGTERM');
    const stopped = await finished(reader);
    expect(stopped.code, stopped.stderr).toBe(143);
    await sleep(300);
    const again = run(cwd, 'from-http.kv', 'lane-b');
    const written = await writing;
    expect(written.code, written.stderr).toBe(0);
    again.kill('SIGTERM');
    await finished(again);
    // A graceful stop answers 503 to what it did not take: nothing written twice by it.
    expect(check(readLines(out)), 'duplicates').toBe(0);
  }, 90_000);

  it('kill -9 of the egress process mid-run: restarted on its lane, it resumes from its checkpoint', async () => {
    const port = await freePort();
    const cwd = setup(port);
    const out = join(cwd, 'out.log');
    const reader = run(cwd, 'from-http.kv', 'lane-b');
    await waitForTcp('127.0.0.1', port, 20_000);
    const writer = run(cwd, 'to-http.kv', 'lane-a');
    await waitFor('a first part', () => readLines(out).length >= N / 4);
    writer.kill('SIGKILL');
    await finished(writer);
    expect(readLines(out).length).toBeLessThan(N);
    const written = await finished(run(cwd, 'to-http.kv', 'lane-a'));
    expect(written.code, written.stderr).toBe(0);
    await waitFor('every line', () => readLines(out).length >= N, 20_000);
    reader.kill('SIGTERM');
    await finished(reader);
    const dup = check(readLines(out));
    // The file source's checkpoint moves per acknowledged batch (`loop.batchMaxMessages=256`).
    expect(dup, 'duplicates').toBeLessThanOrEqual(PATIENT.batchMaxMessages);
  }, 90_000);
});
