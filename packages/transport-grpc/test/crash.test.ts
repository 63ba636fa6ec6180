import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitForTcp } from '@edgeplane/test-servers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  adapters,
  collect,
  exited,
  lines,
  readSnapshot,
  removeWorkdirs,
  spec,
  start,
  until,
  workdir,
} from './support/cli.js';

afterAll(() => removeWorkdirs());

const TOTAL = 200_000;
const BATCH = 512; // the writer's loop.batchMaxMessages: one call, the most one crash can repeat

/** Two processes: `reader` (grpc → file, listening) and `writer` (file → grpc). */
function setup(port: number) {
  const sent = Array.from({ length: TOTAL }, (_, i) => `record ${i} ${'x'.repeat(60)}`);
  const cwd = workdir({
    'spec.kv': spec(1024),
    'in.log': `${sent.join('\n')}\n`,
    'reader.kv': adapters(
      { transport: 'grpc', listen: `127.0.0.1:${port}` },
      { transport: 'file', path: 'out.log', fsync: 'batch' },
      { snapshotIntervalMs: 50 },
    ),
    'writer.kv': adapters(
      { transport: 'file', path: 'in.log' },
      { transport: 'grpc', url: `http://127.0.0.1:${port}` },
      { batchMaxMessages: BATCH, retryMaxDelayMs: 300, maxRetries: 1000, snapshotIntervalMs: 50 },
    ),
  });
  const reader = async (): Promise<ChildProcess> => {
    const child = start(['run', '--spec=spec.kv', '--config=reader.kv', '--lane-path=lane-r'], cwd);
    await waitForTcp('127.0.0.1', port, 20_000);
    return child;
  };
  const writer = (): ChildProcess =>
    start(['run', '--spec=spec.kv', '--config=writer.kv', '--lane-path=lane-w', '--json'], cwd);
  return { sent, cwd, reader, writer };
}

/** Stops a reader (SIGTERM: it drains), returning its exit code. */
async function stop(child: ChildProcess): Promise<number | null> {
  child.kill('SIGTERM');
  return exited(child);
}

function check(cwd: string, sent: string[]) {
  const out = lines(cwd, 'out.log');
  expect(new Set(out).size).toBe(sent.length);
  expect(new Set(out)).toEqual(new Set(sent));
  return out.length - sent.length;
}

describe('crashes (built CLI, two processes)', () => {
  it('kill -9 the ingress mid-run, restart it: nothing lost, duplicates within one call', async () => {
    const port = await freePort();
    const { sent, cwd, reader, writer } = setup(port);
    const first = await reader();
    const w = writer();
    const wOut = collect(w);
    await until('20 000 lines written', () => lines(cwd, 'out.log').length >= 20_000);
    first.kill('SIGKILL');
    await exited(first);
    expect(lines(cwd, 'out.log').length).toBeLessThan(TOTAL);
    const second = await reader();
    expect(await exited(w), wOut.text()).toBe(0);
    await stop(second);
    const duplicates = check(cwd, sent);
    console.log(`kill -9 ingress: ${duplicates} duplicates (bound ${BATCH})`);
    expect(duplicates).toBeLessThanOrEqual(BATCH);
  }, 120_000);

  it('kill -9 the egress mid-run, restart it: nothing lost, duplicates within one batch', async () => {
    const port = await freePort();
    const { sent, cwd, reader, writer } = setup(port);
    const r = await reader();
    const first = writer();
    await until(
      '20 000 messages acknowledged by the writer',
      () => (readSnapshot(join(cwd, 'lane-w'))?.acked_messages ?? 0) >= 20_000,
    );
    first.kill('SIGKILL');
    await exited(first);
    const second = writer();
    const out2 = collect(second);
    expect(await exited(second), out2.text()).toBe(0);
    await stop(r);
    const duplicates = check(cwd, sent);
    console.log(`kill -9 egress: ${duplicates} duplicates (bound ${2 * BATCH})`);
    // The batch in flight when it died, and the one answered but not yet checkpointed.
    expect(duplicates).toBeLessThanOrEqual(2 * BATCH);
  }, 120_000);
});
