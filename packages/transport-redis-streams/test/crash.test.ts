import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisServer, uniqueName } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adapters,
  exited,
  readSnapshot,
  removeWorkdirs,
  runCli,
  spec,
  start,
  TestRedis,
  until,
  workdir,
} from './support/cli.js';

let url: string;
let redis: TestRedis;

beforeAll(async () => {
  url = (await redisServer()()).url;
  redis = await TestRedis.connect(url);
});

afterAll(async () => {
  await redis?.cleanup();
  removeWorkdirs();
});

const lines = (cwd: string, file: string): string[] => {
  try {
    return readFileSync(join(cwd, file), 'utf8').split('\n').slice(0, -1);
  } catch {
    return [];
  }
};

describe('crashes (built CLI, real Redis)', () => {
  it('kill -9 mid-run, then restart: every message at least once, duplicates within one egress batch', async () => {
    const total = 200_000;
    const window = 256; // loop.batchMaxMessages: the one egress batch written but not yet acknowledged
    const stream = redis.track(uniqueName('ep-rs-kill'));
    const sent = Array.from({ length: total }, (_, i) => `record ${i} ${'x'.repeat(60)}`);
    await redis.fill(stream, sent);
    const cwd = workdir({
      'spec.kv': spec(1024),
      'adapters.kv': adapters(
        { transport: 'redis-streams', url, stream, group: 'kill', batchMaxMessages: 256 },
        { transport: 'file', path: 'out.log', fsync: 'batch' },
        { batchMaxMessages: window, snapshotIntervalMs: 50 },
      ),
    });
    const first = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    await until(
      '20 000 messages out',
      () => (readSnapshot(join(cwd, 'lane'))?.egress_messages ?? 0) >= 20_000,
    );
    first.kill('SIGKILL');
    await exited(first);
    const written = lines(cwd, 'out.log').length;
    expect(written).toBeLessThan(total); // really mid-way
    // What the restart must move: this consumer's pending entries (read, maybe written, not
    // acknowledged) plus those the group has not delivered yet.
    const { pending, lag } = await redis.backlog(stream, 'kill');
    const second = await runCli(
      [
        'run',
        '--spec=spec.kv',
        '--lane-path=lane',
        `--adapter-max-messages=${pending + lag}`,
        '--json',
      ],
      cwd,
    );
    expect(second.code, second.stderr).toBe(0);
    const out = lines(cwd, 'out.log');
    expect(new Set(out)).toEqual(new Set(sent));
    const duplicates = out.length - total;
    console.log(
      `kill -9 after ${written} of ${total} written (${pending} pending, ${lag} undelivered): ` +
        `${duplicates} duplicates after restart (window ${window})`,
    );
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(window);
    expect(await redis.backlog(stream, 'kill')).toEqual({ pending: 0, lag: 0 });
  }, 120_000);

  it('two runs share a group; after SIGKILL of one, the other reclaims its pending entries (XAUTOCLAIM)', async () => {
    const total = 60_000;
    const stream = redis.track(uniqueName('ep-rs-scale'));
    const sent = Array.from({ length: total }, (_, i) => `job ${i}`);
    const config = (out: string) =>
      adapters(
        {
          transport: 'redis-streams',
          url,
          stream,
          group: 'workers',
          batchMaxMessages: 100,
          blockMs: 200,
          claimMinIdleMs: 1500,
          claimIntervalMs: 250,
        },
        { transport: 'file', path: out, fsync: 'batch' },
        { batchMaxMessages: 100, snapshotIntervalMs: 50 },
      );
    const cwd = workdir({ 'spec.kv': spec(256), 'a.kv': config('a.log'), 'b.kv': config('b.log') });
    const a = start(['run', '--spec=spec.kv', '--config=a.kv', '--lane-path=lane-a'], cwd);
    const b = start(['run', '--spec=spec.kv', '--config=b.kv', '--lane-path=lane-b'], cwd);
    try {
      for (const lane of ['lane-a', 'lane-b'])
        await until(
          `${lane} ready`,
          () => readSnapshot(join(cwd, lane))?.adapters[0]?.connection_state === 'ready',
        );
      const consumers = ['lane-a', 'lane-b'].map((l) =>
        readFileSync(join(cwd, l, 'ingress', 'redis-streams.consumer'), 'utf8').trim(),
      );
      expect(consumers[0]).not.toBe(consumers[1]);
      // Feed the stream over time so both consumers get a share.
      const feeding = (async () => {
        for (let i = 0; i < total; i += 2000) {
          await redis.fill(stream, sent.slice(i, i + 2000));
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await until(
        'both runs busy',
        () => lines(cwd, 'a.log').length > 2000 && lines(cwd, 'b.log').length > 2000,
      );
      // Kill A while it holds pending entries: freeze it (SIGSTOP), read its pending count, and
      // kill it only when there are some (an idle A between two reads has none to reclaim). Read
      // at once: B claims them after claimMinIdleMs.
      const pendingOfA = async () => {
        const info = (await redis.client.xinfo('CONSUMERS', stream, 'workers')) as unknown[][];
        return Number(info.find((c) => c[1] === consumers[0])?.[3] ?? 0);
      };
      let deadPending = 0;
      for (let tries = 0; tries < 200 && deadPending === 0; tries++) {
        a.kill('SIGSTOP');
        deadPending = await pendingOfA();
        if (deadPending === 0) {
          a.kill('SIGCONT');
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      a.kill('SIGKILL');
      await exited(a);
      await feeding;
      const byA = lines(cwd, 'a.log').length;
      // B alone finishes the job, A's pending entries included (after claimMinIdleMs).
      await until(
        'every job written',
        () => new Set([...lines(cwd, 'a.log'), ...lines(cwd, 'b.log')]).size === total,
        60_000,
        200,
      );
      await until(
        'nothing pending',
        async () => (await redis.backlog(stream, 'workers')).pending === 0,
        10_000,
      );
      b.kill('SIGTERM');
      expect(await exited(b)).toBe(143);
      const all = [...lines(cwd, 'a.log'), ...lines(cwd, 'b.log')];
      expect(new Set(all)).toEqual(new Set(sent));
      const duplicates = all.length - total;
      console.log(
        `scale-out: A wrote ${byA} before SIGKILL with ${deadPending} pending, B wrote ${lines(cwd, 'b.log').length}; ` +
          `${duplicates} duplicates (A's unacknowledged egress batch, window 100)`,
      );
      expect(deadPending).toBeGreaterThan(0);
      expect(duplicates).toBeLessThanOrEqual(100);
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
    }
  }, 120_000);
});
