import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureKafka, type KafkaTestServer } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdapterDoc,
  assertCliBuilt,
  fileBinding,
  kafkaBinding,
  readLines,
  readSnapshot,
  removeDir,
  SPEC,
  sleep,
  snapshotUntil,
  start,
  workdir,
} from './cli-support.js';
import { Created, createTopic, Feeder } from './support.js';

// A broker of its own (not the shared 19092 one): restarting it disturbs no other test file.
// It is stopped afterwards only if this file started it, so the machine stays as it was.
const PORT = 19192;
const created = new Created();
let server: KafkaTestServer;
const dirs: string[] = [];

beforeAll(async () => {
  assertCliBuilt();
  server = await ensureKafka({ port: PORT, stopOnClose: true });
});
afterAll(async () => {
  await created.cleanup(server.brokers).catch(() => {});
  await server.stop();
  await Promise.all(dirs.map(removeDir));
});

interface Seen {
  readonly at: number;
  readonly ingress: AdapterDoc;
}

describe('kafka → file across a broker restart', () => {
  it('the run reports reconnecting then ready, recovers on its own and loses nothing', async () => {
    const topic = created.name('ep-kafka-restart');
    await createTopic(server.brokers, topic, 2);
    const cwd = workdir({ 'spec.kv': SPEC });
    dirs.push(cwd);
    writeFileSync(
      join(cwd, 'adapters.kv'),
      kafkaBinding('ingress', {
        brokers: server.brokers.join(','),
        topic,
        groupId: topic,
        fromBeginning: true,
        maxWaitTimeMs: 100,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1000,
        retryInitialMs: 200,
        retryMaxMs: 2000,
      }) +
        fileBinding('egress', join(cwd, 'out.log')) +
        'loop.snapshotIntervalMs=100\n',
    );
    const lane = join(cwd, 'lane');
    const out = join(cwd, 'out.log');
    const cli = start(['run', '--spec=spec.kv', '--lane-path=lane'], cwd);
    await snapshotUntil(lane, (d) => d.adapters.every((a) => a.connection_state === 'ready'));

    const seen: Seen[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const doc = await readSnapshot(lane);
        const ingress = doc?.adapters.find((a) => a.role === 'ingress');
        if (ingress) seen.push({ at: Date.now(), ingress });
        await sleep(50);
      }
    })();

    const feeder = new Feeder(server.brokers, topic, { batch: 200, everyMs: 50 });
    feeder.start();
    const moving = Date.now() + 30_000;
    while ((await readLines(out)).length < 2000 && Date.now() < moving) await sleep(50);

    const down = Date.now();
    await server.restart();
    const back = Date.now();
    const linesAtBack = (await readLines(out)).length;
    let firstWriteAfter: number | undefined;
    while (firstWriteAfter === undefined && Date.now() - back < 60_000) {
      if ((await readLines(out)).length > linesAtBack) firstWriteAfter = Date.now();
      else await sleep(50);
    }
    await sleep(3000);
    const sent = await feeder.stop();

    const until = Date.now() + 60_000;
    let lines = await readLines(out);
    while (!sent.every(has(new Set(lines))) && Date.now() < until) {
      await sleep(200);
      lines = await readLines(out);
    }
    polling = false;
    await poller;
    cli.child.kill('SIGTERM');
    const exit = await cli.exit;

    const written = new Set(lines);
    const missing = sent.filter((b) => !written.has(b));
    expect(missing.slice(0, 5), `${missing.length} of ${sent.length} messages missing`).toEqual([]);
    const reconnecting = seen.findIndex((s) => s.ingress.connection_state === 'reconnecting');
    expect(reconnecting, 'the snapshot showed the ingress reconnecting').toBeGreaterThanOrEqual(0);
    const ready = seen.slice(reconnecting).find((s) => s.ingress.connection_state === 'ready');
    expect(ready, 'the snapshot showed the ingress ready again').toBeDefined();
    const failing = seen.find((s) => s.ingress.recent_failures > 0 && s.ingress.last_error);
    expect(failing, 'recent_failures > 0 and last_error set').toBeDefined();
    expect(exit.code, exit.stderr).toBe(143);

    const duplicates = lines.length - written.size;
    console.log(
      `kafka broker restart: broker down→ready ${back - down} ms; ingress ready again ${
        ready ? Math.max(0, ready.at - back) : '?'
      } ms and first message written ${firstWriteAfter ? firstWriteAfter - back : '?'} ms after the broker was ready; ` +
        `${sent.length} messages sent, ${missing.length} missing, ${duplicates} duplicates; last_error: ${failing?.ingress.last_error}`,
    );
  }, 180_000);
});

const has =
  (set: ReadonlySet<string>) =>
  (body: string): boolean =>
    set.has(body);
