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
  run,
  SPEC,
  snapshotUntil,
  start,
  workdir,
} from './cli-support.js';
import { Created, committedTotal, createTopic, produce } from './support.js';

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

describe('kafka → file, SIGKILL mid-run', () => {
  it('restart delivers every message at least once; duplicates stay within one egress batch', async () => {
    const total = 200_000;
    const window = 256; // loop.batchMaxMessages: the one egress batch written but not yet acknowledged
    const topic = created.name('ep-kafka-kill');
    await createTopic(server.brokers, topic, 2);
    const bodies = Array.from({ length: total }, (_, i) => `record ${i} ${'x'.repeat(60)}`);
    await produce(server.brokers, topic, bodies, { batch: 10_000, partitionOf: (i) => i % 2 });

    const cwd = workdir({ 'spec.kv': SPEC.replace('v=1\n', 'v=1\nsingle_ring.capacity=1024\n') });
    dirs.push(cwd);
    const config = join(cwd, 'adapters.kv');
    writeFileSync(
      config,
      kafkaBinding('ingress', {
        brokers: server.brokers.join(','),
        topic,
        groupId: topic,
        fromBeginning: true,
        maxWaitTimeMs: 100,
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 500,
      }) +
        fileBinding('egress', join(cwd, 'out.log')) +
        `loop.batchMaxMessages=${window}\nloop.snapshotIntervalMs=50\n`,
    );
    const lane = join(cwd, 'lane');
    const first = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    await snapshotUntil(lane, (d) => d.egress_messages >= 20_000, 60_000);
    first.child.kill('SIGKILL');
    const killed = await first.exit;
    expect(killed.signal).toBe('SIGKILL');

    const committed = await committedTotal(server.brokers, topic, topic);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(total);
    const second = await run(
      [
        'run',
        '--spec=spec.kv',
        '--lane-path=lane',
        `--adapter-max-messages=${total - committed}`,
        '--json',
      ],
      cwd,
    );
    expect(second.code, second.stderr).toBe(0);

    const out = await readLines(join(cwd, 'out.log'));
    const seen = new Set(out);
    expect(seen.size).toBe(total);
    const duplicates = out.length - total;
    console.log(
      `kafka SIGKILL restart: ${out.length} lines written for ${total} messages, ${duplicates} duplicates (window ${window}); committed before restart: ${committed}`,
    );
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(window);
  }, 120_000);
});
