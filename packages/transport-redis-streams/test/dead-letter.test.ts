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

/**
 * loop.failurePolicy=dead_letter through the built CLI, with Redis Streams as the egress that
 * refuses (too large) or the ingress whose entries the file egress refuses (a body with a line
 * feed), and a file or a Redis stream as the dead letter.
 */

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

interface Envelope {
  edgeplane_dead_letter: number;
  error: { code: string; message: string };
  refused_by: string;
  spec_hash: string;
  origin: string;
  body: string;
}
const envelopes = (cwd: string, file: string): Envelope[] =>
  lines(cwd, file).map((l) => JSON.parse(l) as Envelope);

/** `{transport, ...}` as `dead_letter.*` lines. */
const deadLetter = (options: Record<string, string | number>): string =>
  Object.entries(options)
    .map(([k, v]) => `dead_letter.${k}=${v}\n`)
    .join('');

describe('dead-letter routing (built CLI, real Redis)', () => {
  it('file → redis-streams: bodies over maxBodyBytes go to a file dead letter as JSON envelopes; the rest to Redis; all acknowledged', async () => {
    const stream = redis.track(uniqueName('ep-dl-big'));
    const input = Array.from({ length: 700 }, (_, i) =>
      i % 7 === 3 ? `big ${i} ${'x'.repeat(150)}` : `small ${i}`,
    );
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': `${input.join('\n')}\n`,
      'adapters.kv':
        adapters(
          { transport: 'file', path: 'in.log' },
          { transport: 'redis-streams', url, stream, maxBodyBytes: 100 },
          { failurePolicy: 'dead_letter', batchMaxMessages: 64 },
        ) + deadLetter({ transport: 'file', path: 'dead/letters.log', name: 'dlq' }),
    });
    const run = await runCli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], cwd);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, number | string>;
    const big = input.filter((l) => l.startsWith('big'));
    expect(result).toMatchObject({ reason: 'end-of-input', ackedMessages: 700 });
    expect(result.deadLetteredMessages).toBe(big.length);
    expect(await redis.bodies(stream)).toEqual(input.filter((l) => l.startsWith('small')));
    const dead = envelopes(cwd, 'dead/letters.log');
    expect(dead.map((e) => e.body)).toEqual(big);
    expect(dead[0]).toMatchObject({
      edgeplane_dead_letter: 1,
      error: { code: 'too-large' },
      refused_by: 'egress "redis-streams-egress"',
    });
    expect(dead[0]?.origin).toContain('in.log');
    expect(dead[0]?.spec_hash).toMatch(/^sha256:/);
    const snap = readSnapshot(join(cwd, 'lane')) as unknown as {
      dead_lettered_messages: number;
      adapters: { name: string; role: string; message_count: number }[];
    };
    expect(snap.dead_lettered_messages).toBe(big.length);
    expect(snap.adapters[2]).toMatchObject({
      name: 'dlq',
      role: 'dead_letter',
      message_count: big.length,
    });
    const text = await runCli(['snapshot', '--spec=spec.kv', '--lane-path=lane'], cwd);
    expect(text.stdout).toContain(`dead-lettered ${big.length}`);
    expect(text.stdout).toMatch(/dlq\s+dead_letter\s+file/);
  }, 60_000);

  it('redis-streams → file: entries with a line feed (refused by the file egress) go to a Redis dead-letter stream with headers', async () => {
    const stream = redis.track(uniqueName('ep-dl-in'));
    const dlq = redis.track(uniqueName('ep-dl-out'));
    const input = Array.from({ length: 300 }, (_, i) =>
      i % 50 === 10 ? `two\nlines ${i}` : `one line ${i}`,
    );
    await redis.fill(stream, input);
    const cwd = workdir({
      'spec.kv': spec(),
      'adapters.kv':
        adapters(
          { transport: 'redis-streams', url, stream, group: 'dl' },
          { transport: 'file', path: 'out.log' },
          { failure_policy: 'dead_letter' },
        ) + deadLetter({ transport: 'redis-streams', url, stream: dlq }),
    });
    const run = await runCli(
      ['run', '--spec=spec.kv', '--lane-path=lane', '--adapter-max-messages=300', '--json'],
      cwd,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(lines(cwd, 'out.log')).toEqual(input.filter((l) => !l.includes('\n')));
    const entries = await redis.client.xrange(dlq, '-', '+');
    const fields = entries.map(([, f]) =>
      Object.fromEntries(f.flatMap((v, i) => (i % 2 === 0 ? [[v, f[i + 1]]] : []))),
    );
    expect(fields.map((f) => f.body)).toEqual(input.filter((l) => l.includes('\n')));
    expect(fields[0]).toMatchObject({
      'h:edgeplane-error-code': 'invalid-input',
      'h:edgeplane-refused-by': 'egress "file-egress"',
    });
    expect(fields[0]?.['h:edgeplane-origin']).toContain(stream);
    expect(await redis.backlog(stream, 'dl')).toEqual({ pending: 0, lag: 0 });
  }, 60_000);

  it('kill -9 while dead-lettering, then restart: every message at least once (output or dead letter), duplicates within one batch', async () => {
    const total = 60_000;
    const window = 200;
    const stream = redis.track(uniqueName('ep-dl-kill'));
    const input = Array.from({ length: total }, (_, i) =>
      i % 10 === 4 ? `bad\n${i}` : `good ${i} ${'y'.repeat(40)}`,
    );
    await redis.fill(stream, input);
    const cwd = workdir({
      'spec.kv': spec(1024),
      'adapters.kv':
        adapters(
          { transport: 'redis-streams', url, stream, group: 'kill', batchMaxMessages: window },
          { transport: 'file', path: 'out.log', fsync: 'batch' },
          { failurePolicy: 'dead_letter', batchMaxMessages: window, snapshotIntervalMs: 50 },
        ) + deadLetter({ transport: 'file', path: 'dead.log', fsync: 'batch' }),
    });
    const first = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    await until(
      '1000 dead-lettered',
      () =>
        ((readSnapshot(join(cwd, 'lane')) as unknown as { dead_lettered_messages?: number })
          ?.dead_lettered_messages ?? 0) >= 1000,
    );
    first.kill('SIGKILL');
    await exited(first);
    const deadBefore = lines(cwd, 'dead.log').length;
    expect(deadBefore).toBeLessThan(total / 10); // really mid-way
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
    const good = input.filter((l) => l.startsWith('good'));
    const bad = input.filter((l) => l.startsWith('bad'));
    const out = lines(cwd, 'out.log');
    const dead = envelopes(cwd, 'dead.log').map((e) => e.body);
    expect(new Set(out)).toEqual(new Set(good));
    expect(new Set(dead)).toEqual(new Set(bad));
    const duplicates = out.length - good.length + (dead.length - bad.length);
    console.log(
      `kill -9 after ${deadBefore} dead-lettered: ${duplicates} duplicates after restart`,
    );
    expect(duplicates).toBeLessThanOrEqual(window);
    expect(await redis.backlog(stream, 'kill')).toEqual({ pending: 0, lag: 0 });
  }, 120_000);
});
