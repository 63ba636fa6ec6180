import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KafkaTestServer, kafkaServer } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertCliBuilt,
  fileBinding,
  kafkaBinding,
  readLines,
  removeDir,
  SPEC,
  sleep,
  snapshotUntil,
  start,
  workdir,
} from './cli-support.js';
import { Created, createTopic, Feeder } from './support.js';

const created = new Created();
let server: KafkaTestServer;
const dirs: string[] = [];

beforeAll(async () => {
  assertCliBuilt();
  server = await kafkaServer()();
});
afterAll(async () => {
  await created.cleanup(server.brokers);
  await Promise.all(dirs.map(removeDir));
});

const ready = (d: { adapters: readonly { connection_state: string }[] }) =>
  d.adapters.every((a) => a.connection_state === 'ready');

describe('scale-out: two edgeplane runs in one consumer group', () => {
  it('share a 4-partition topic; after SIGKILL of one, the other takes over and nothing is lost', async () => {
    const topic = created.name('ep-kafka-scale');
    await createTopic(server.brokers, topic, 4);
    const cwd = workdir({ 'spec.kv': SPEC });
    dirs.push(cwd);
    const config = (name: string) => {
      const path = join(cwd, `${name}.kv`);
      writeFileSync(
        path,
        kafkaBinding('ingress', {
          brokers: server.brokers.join(','),
          topic,
          groupId: topic,
          fromBeginning: true,
          maxWaitTimeMs: 100,
          sessionTimeoutMs: 6000,
          heartbeatIntervalMs: 500,
        }) +
          fileBinding('egress', join(cwd, `${name}.out`)) +
          'loop.snapshotIntervalMs=100\n',
      );
      return path;
    };
    const run = (name: string) =>
      start(['run', '--spec=spec.kv', `--config=${config(name)}`, `--lane-path=lane-${name}`], cwd);

    const a = run('a');
    await snapshotUntil(join(cwd, 'lane-a'), ready);
    const b = run('b');
    await snapshotUntil(join(cwd, 'lane-b'), ready);

    const feeder = new Feeder(server.brokers, topic, { batch: 40, everyMs: 20 });
    feeder.start();
    const shared = Date.now() + 30_000;
    let before = { a: 0, b: 0 };
    while (Date.now() < shared) {
      before = {
        a: (await readLines(join(cwd, 'a.out'))).length,
        b: (await readLines(join(cwd, 'b.out'))).length,
      };
      if (before.a >= 500 && before.b >= 500) break;
      await sleep(100);
    }
    expect(before.a, 'run a got a share').toBeGreaterThan(0);
    expect(before.b, 'run b got a share').toBeGreaterThan(0);

    a.child.kill('SIGKILL');
    expect((await a.exit).signal).toBe('SIGKILL');
    const killedAt = Date.now();
    await sleep(9000); // the group drops a's member after sessionTimeoutMs (6 s) and rebalances
    const sent = await feeder.stop();

    let lines: string[] = [];
    const until = Date.now() + 60_000;
    for (;;) {
      lines = [...(await readLines(join(cwd, 'a.out'))), ...(await readLines(join(cwd, 'b.out')))];
      const got = new Set(lines);
      if (sent.every((m) => got.has(m)) || Date.now() > until) break;
      await sleep(200);
    }
    b.child.kill('SIGTERM');
    const exit = await b.exit;

    const got = new Set(lines);
    const missing = sent.filter((m) => !got.has(m));
    expect(missing.slice(0, 5), `${missing.length} of ${sent.length} missing`).toEqual([]);
    expect(exit.code, exit.stderr).toBe(143);
    const bLines = await readLines(join(cwd, 'b.out'));
    console.log(
      `kafka scale-out: ${sent.length} messages; before the kill a wrote ${before.a}, b ${before.b}; ` +
        `after it b alone wrote ${bLines.length - before.b} (takeover within ${Date.now() - killedAt} ms incl. the wait); ` +
        `${lines.length - got.size} duplicates`,
    );
  }, 120_000);
});
