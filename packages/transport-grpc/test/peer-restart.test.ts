import { readFileSync } from 'node:fs';
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

describe('the peer restarts mid-run (built CLI, two processes)', () => {
  it('the ingress stops (SIGTERM) and comes back: the writer reports reconnecting, recovers on its own, every line once and in order', async () => {
    const port = await freePort();
    const total = 200_000;
    const sent = Array.from({ length: total }, (_, i) => `line ${i} ${'y'.repeat(60)}`);
    const cwd = workdir({
      'spec.kv': spec(1024),
      'in.log': `${sent.join('\n')}\n`,
      'reader.kv': adapters(
        { transport: 'grpc', listen: `127.0.0.1:${port}` },
        { transport: 'file', path: 'out.log' },
      ),
      'writer.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'grpc', url: `http://127.0.0.1:${port}` },
        { batchMaxMessages: 700, retryMaxDelayMs: 300, maxRetries: 1000, snapshotIntervalMs: 50 },
      ),
    });
    const reader = async () => {
      const child = start(
        ['run', '--spec=spec.kv', '--config=reader.kv', '--lane-path=lane-r'],
        cwd,
      );
      await waitForTcp('127.0.0.1', port, 20_000);
      return child;
    };
    const first = await reader();
    const writer = start(
      ['run', '--spec=spec.kv', '--config=writer.kv', '--lane-path=lane-w', '--json'],
      cwd,
    );
    const writerOut = collect(writer);
    await until('20 000 lines written', () => lines(cwd, 'out.log').length >= 20_000);
    // A graceful stop: calls partly taken are answered with the count taken, the rest UNAVAILABLE.
    first.kill('SIGTERM');
    await exited(first);
    const egress = await until('the writer to report the egress reconnecting', () => {
      const a = readSnapshot(join(cwd, 'lane-w'))?.adapters.find((x) => x.role === 'egress');
      return a?.connection_state === 'reconnecting' ? a : undefined;
    });
    expect(egress.last_error).toMatch(/transport:grpc/);
    expect(egress.recent_failures).toBeGreaterThan(0);
    expect(lines(cwd, 'out.log').length).toBeLessThan(total);
    const second = await reader();
    expect(await exited(writer), writerOut.text()).toBe(0);
    expect(JSON.parse(writerOut.stdout()).egressMessages).toBe(total);
    second.kill('SIGTERM');
    await exited(second);
    // Each line once, in order: nothing was answered OK that was not written, and nothing
    // written was sent again (the partial answer told the writer where to resume).
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(`${sent.join('\n')}\n`);
  }, 120_000);
});
