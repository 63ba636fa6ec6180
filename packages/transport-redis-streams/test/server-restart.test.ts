import { join } from 'node:path';
import {
  type DisposablePrivateServer as PrivateRedis,
  privateRedis,
} from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adapters,
  exited,
  readSnapshot,
  removeWorkdirs,
  type SnapshotDoc,
  sleep,
  spec,
  start,
  TestRedis,
  until,
  workdir,
} from './support/cli.js';

let server: PrivateRedis;
let redis: TestRedis;

beforeAll(async () => {
  server = await privateRedis();
  redis = await TestRedis.connect(server.url);
});

afterAll(async () => {
  redis?.client.disconnect();
  await server?.dispose();
  removeWorkdirs();
});

describe('server restart mid-run (built CLI, a Redis of its own with an append-only file)', () => {
  it('the run reports reconnecting then ready, and finishes with nothing lost', async () => {
    const total = 150_000;
    const sent = Array.from(
      { length: total },
      (_, i) => `${String(i).padStart(8, '0')} ${'y'.repeat(90)}`,
    );
    await redis.fill('in', sent);
    const cwd = workdir({
      'spec.kv': spec(1024),
      'adapters.kv': adapters(
        {
          transport: 'redis-streams',
          url: server.url,
          stream: 'in',
          group: 'restart',
          batchMaxMessages: 200,
        },
        { transport: 'redis-streams', url: server.url, stream: 'out' },
        { batchMaxMessages: 200, snapshotIntervalMs: 50, retryMaxDelayMs: 500, maxRetries: 100 },
      ),
    });
    const lane = join(cwd, 'lane');
    const child = start(
      ['run', '--spec=spec.kv', '--lane-path=lane', `--adapter-max-messages=${total}`, '--json'],
      cwd,
    );
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const seen: { at: number; doc: SnapshotDoc }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const doc = readSnapshot(lane);
        if (doc) seen.push({ at: Date.now(), doc });
        await sleep(20);
      }
    })();
    try {
      const before = await until('20 000 messages out', () => {
        if (child.exitCode !== null) throw new Error(`the run exited early: ${stderr}`);
        const d = readSnapshot(lane);
        return d && d.egress_messages >= 20_000 ? d : undefined;
      });
      const downAt = Date.now();
      await server.stop();
      await sleep(500); // down long enough for sends, reads and acks to fail
      await server.start();
      const upAt = Date.now();
      const code = await exited(child);
      sampling = false;
      await sampler;
      expect(code, stderr).toBe(0);
      const states = (role: 'ingress' | 'egress') =>
        seen.map((s) => s.doc.adapters.find((a) => a.role === role)?.connection_state);
      for (const role of ['ingress', 'egress'] as const) {
        const list = states(role);
        const reconnecting = list.indexOf('reconnecting');
        expect(reconnecting, `${role} never showed reconnecting`).toBeGreaterThanOrEqual(0);
        expect(list.slice(reconnecting).includes('ready'), `${role} never came back`).toBe(true);
      }
      const during = seen.filter((s) => s.at > downAt);
      const worst = during.reduce(
        (m, s) => Math.max(m, ...s.doc.adapters.map((a) => a.recent_failures)),
        0,
      );
      expect(worst).toBeGreaterThan(0);
      const errors = during.flatMap((s) => s.doc.adapters.map((a) => a.last_error)).filter(Boolean);
      expect(errors.length).toBeGreaterThan(0);
      // Recovery: from the server answering again to both adapters ready and messages moving.
      const back = seen.find(
        (s) =>
          s.at >= upAt &&
          s.doc.adapters.every((a) => a.connection_state === 'ready') &&
          s.doc.egress_messages > before.egress_messages,
      );
      expect(back).toBeDefined();
      const result = JSON.parse(stdout) as { egressMessages: number; snapshot: SnapshotDoc };
      expect(result.egressMessages).toBe(total);
      const out = await redis.bodies('out');
      expect(new Set(out)).toEqual(new Set(sent));
      expect(await redis.backlog('in', 'restart')).toEqual({ pending: 0, lag: 0 });
      console.log(
        `server restart: down ${upAt - downAt} ms (stop, 500 ms pause, start with AOF load); ` +
          `run ready and moving again ${(back?.at ?? upAt) - upAt} ms after the server answered; ` +
          `recent_failures peaked at ${worst}; ${out.length - total} duplicates; ` +
          `last_error e.g. ${JSON.stringify(errors[0])}`,
      );
    } finally {
      sampling = false;
      child.kill('SIGKILL');
    }
  }, 120_000);
});
