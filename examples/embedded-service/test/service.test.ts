import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRedisStreamsTransport } from '@edgeplane/transport-redis-streams';
import { beforeAll, describe, expect, it } from 'vitest';

const REDIS_URL = process.env.EDGEPLANE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const service = resolve(import.meta.dirname, '..', 'dist', 'service.js');

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(env: Record<string, string>): {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [service], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, exit };
}

describe('the embedded service (Redis Streams -> mask-cards -> file)', () => {
  beforeAll(async () => {
    const { hostname, port } = new URL(REDIS_URL);
    await new Promise<void>((ok, fail) => {
      const s = connect(Number(port || 6379), hostname, () => ok(s.end() && undefined));
      s.once('error', (e) =>
        fail(
          new Error(
            `no Redis at ${REDIS_URL} (${e.message}): start redis-server or set EDGEPLANE_REDIS_URL`,
          ),
        ),
      );
    });
  });

  it('masks, drops, writes, snapshots, and drains on SIGTERM without losing or repeating', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ep-embedded-'));
    const stream = `ep-embedded-${Date.now().toString(36)}`;
    const env = {
      REDIS_URL,
      STREAM: stream,
      OUT_PATH: join(dir, 'out.log'),
      LANE_PATH: join(dir, 'lane'),
      SNAPSHOT_MS: '100',
    };
    const seed = createRedisStreamsTransport({ url: REDIS_URL, stream });
    await seed.open({ role: 'egress' });
    const bodies = Array.from({ length: 60 }, (_, i) =>
      i % 10 === 9
        ? `order ${i} drop=1`
        : `order ${i} card=41111111111${String(i).padStart(5, '0')}`,
    );
    const send = async (from: number, to: number) =>
      expect(
        await seed.send?.(
          bodies.slice(from, to).map((b) => ({ body: new TextEncoder().encode(b) })),
        ),
      ).toEqual({ status: 'ok' });
    await send(0, 30);

    const first = start(env);
    const written = () =>
      existsSync(env.OUT_PATH)
        ? readFileSync(env.OUT_PATH, 'utf8').split('\n').filter(Boolean)
        : [];
    await until('the first 27 lines', () => written().length >= 27);
    await until('a snapshot line', () => first.out().includes('snapshot {'));
    const live = JSON.parse(readFileSync(join(env.LANE_PATH, 'snapshot.json'), 'utf8'));
    expect(live).toMatchObject({ spec_name: 'payments-masked', pid: first.child.pid });
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.out()).toMatch(
      /stopped \{"state":"stopped","ingress":30,"egress":27,"acked":30,"dropped":3\} reason=stopped/,
    );

    await send(30, 60); // while the service is down: the consumer group keeps them
    const second = start(env);
    await until('all 54 lines', () => written().length >= 54);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
    await seed.close();

    const expected = bodies
      .filter((b) => !b.includes('drop=1'))
      .map((b) =>
        b.replace(/card=(\d+)/, (_, n: string) => `card=${'*'.repeat(n.length - 4)}${n.slice(-4)}`),
      );
    expect(written()).toEqual(expected);
    const final = JSON.parse(readFileSync(join(env.LANE_PATH, 'snapshot.json'), 'utf8'));
    expect(final).toMatchObject({ state: 'stopped', acked_messages: 30, dropped_messages: 3 });
  });
});
