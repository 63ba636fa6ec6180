import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisServer, uniqueName } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adapters,
  crlfInput,
  removeWorkdirs,
  runCli,
  spec,
  TestRedis,
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

/** The `--json` result of a run that must succeed. */
function result(run: { code: number | null; stdout: string; stderr: string }) {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as {
    egressMessages: number;
    ackedMessages: number;
    reason: string;
  };
}

describe('edgeplane run with redis-streams (built CLI, real Redis)', () => {
  it('file → redis-streams, then redis-streams → file, moves 2000 CRLF lines intact and in order', async () => {
    const stream = redis.track(uniqueName('ep-rs-cli'));
    const { input, expected } = crlfInput(2000, 'event');
    const cwd = workdir({
      'spec.kv': spec(),
      'in.log': input,
      'to-redis.kv': adapters(
        { transport: 'file', path: 'in.log' },
        { transport: 'redis-streams', url, stream },
      ),
      'from-redis.kv': adapters(
        { transport: 'redis-streams', url, stream, group: 'whole' },
        { transport: 'file', path: 'out.log' },
      ),
    });
    const toRedis = result(
      await runCli(
        ['run', '--spec=spec.kv', '--config=to-redis.kv', '--lane-path=lane-a', '--json'],
        cwd,
      ),
    );
    expect(toRedis.egressMessages).toBe(2000);
    expect(await redis.client.xlen(stream)).toBe(2000);
    const fromRedis = result(
      await runCli(
        [
          'run',
          '--spec=spec.kv',
          '--config=from-redis.kv',
          '--lane-path=lane-b',
          '--adapter-max-messages=2000',
          '--json',
        ],
        cwd,
      ),
    );
    expect(fromRedis).toMatchObject({
      egressMessages: 2000,
      ackedMessages: 2000,
      reason: 'max-messages',
    });
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
    expect(await redis.backlog(stream, 'whole')).toEqual({ pending: 0, lag: 0 });
  }, 60_000);

  it('--adapter-max-messages=500 four times moves all 2000 once each, in order', async () => {
    const stream = redis.track(uniqueName('ep-rs-cli-bounded'));
    const { input, expected } = crlfInput(2000, 'bounded');
    await redis.fill(stream, input.split('\r\n'));
    const cwd = workdir({
      'spec.kv': spec(),
      'adapters.kv': adapters(
        // Batches larger than 500: each bounded run leaves part of its last batch pending on its
        // consumer, which the next run (same lane, so the same consumer) reads first.
        { transport: 'redis-streams', url, stream, group: 'bounded', batchMaxMessages: 300 },
        { transport: 'file', path: 'out.log' },
      ),
    });
    for (let run = 1; run <= 4; run++) {
      const r = result(
        await runCli(
          ['run', '--spec=spec.kv', '--lane-path=lane', '--adapter-max-messages=500', '--json'],
          cwd,
        ),
      );
      expect(r.egressMessages).toBe(500);
      const out = readFileSync(join(cwd, 'out.log'), 'utf8');
      expect(out.split('\n').length - 1).toBe(run * 500);
    }
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(expected);
    expect(await redis.backlog(stream, 'bounded')).toEqual({ pending: 0, lag: 0 });
  }, 60_000);
});
