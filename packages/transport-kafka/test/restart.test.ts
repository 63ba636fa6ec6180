import { writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
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
import { Created, createTopic, Feeder, testClient } from './support.js';

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
  readonly adapter: AdapterDoc;
}

/** Polls a lane's snapshot every 50 ms, keeping the adapter entry of `role`. */
function watch(lane: string, role: 'ingress' | 'egress') {
  const seen: Seen[] = [];
  let polling = true;
  const done = (async () => {
    while (polling) {
      const adapter = (await readSnapshot(lane))?.adapters.find((a) => a.role === role);
      if (adapter) seen.push({ at: Date.now(), adapter });
      await sleep(50);
    }
  })();
  return {
    seen,
    stop: async () => {
      polling = false;
      await done;
    },
  };
}

/** `reconnecting`, then `ready` again after it, and a failure on record: or what was missing. */
function recovery(seen: readonly Seen[], back: number) {
  const lost = seen.findIndex((s) => s.adapter.connection_state === 'reconnecting');
  const ready =
    lost < 0 ? undefined : seen.slice(lost).find((s) => s.adapter.connection_state === 'ready');
  const failing = seen.find((s) => s.adapter.recent_failures > 0 && s.adapter.last_error);
  return {
    reconnecting: lost >= 0,
    ready: ready !== undefined,
    failing: failing?.adapter.last_error ?? null,
    readyAfterMs: ready ? Math.max(0, ready.at - back) : undefined,
  };
}

/** Appends numbered lines to `path` (`batch` every `everyMs`) until `stop()`, which returns them. */
function appender(path: string, batch: number, everyMs: number) {
  const lines: string[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const next = Array.from(
        { length: batch },
        (_, i) => `line ${String(lines.length + i).padStart(8, '0')}`,
      );
      await appendFile(path, `${next.join('\n')}\n`);
      lines.push(...next);
      await sleep(everyMs);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return lines;
    },
  };
}

/** Reads `topic` from the beginning until it holds every one of `want` (or 60 s passed). */
async function topicHolds(topic: string, want: readonly string[]): Promise<string[]> {
  const got: string[] = [];
  const consumer = testClient(server.brokers).consumer({ groupId: `${topic}-verify` });
  created.groups.add(`${topic}-verify`);
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) got.push(m.value?.toString() ?? '');
    },
  });
  const until = Date.now() + 60_000;
  while (Date.now() < until && !want.every(has(new Set(got)))) await sleep(200);
  await consumer.disconnect();
  return got;
}

const cliConfig = (dir: string, name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `${content}loop.snapshotIntervalMs=100\n`);
  return path;
};

describe('across a broker restart (kafka → file and file → kafka, side by side)', () => {
  it('both runs report reconnecting then ready, recover on their own and lose nothing', async () => {
    const inTopic = created.name('ep-kafka-restart-in');
    const outTopic = created.name('ep-kafka-restart-out');
    await createTopic(server.brokers, inTopic, 2);
    await createTopic(server.brokers, outTopic, 1);
    const cwd = workdir({ 'spec.kv': SPEC, 'in.log': '' });
    dirs.push(cwd);
    const brokers = server.brokers.join(',');
    const reconnect = { retryInitialMs: 200, retryMaxMs: 2000 };
    const consumerRun = cliConfig(
      cwd,
      'consume.kv',
      kafkaBinding('ingress', {
        brokers,
        topic: inTopic,
        groupId: inTopic,
        fromBeginning: true,
        maxWaitTimeMs: 100,
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1000,
        ...reconnect,
      }) + fileBinding('egress', join(cwd, 'out.log')),
    );
    const producerRun = cliConfig(
      cwd,
      'produce.kv',
      `${fileBinding('ingress', join(cwd, 'in.log'))}ingress.follow=true\ningress.pollMs=20\n${kafkaBinding(
        'egress',
        { brokers, topic: outTopic, ...reconnect },
      )}`,
    );
    const consume = start(
      ['run', '--spec=spec.kv', `--config=${consumerRun}`, '--lane-path=lane-c'],
      cwd,
    );
    const produce = start(
      ['run', '--spec=spec.kv', `--config=${producerRun}`, '--lane-path=lane-p'],
      cwd,
    );
    const allReady = (d: { adapters: readonly AdapterDoc[] }) =>
      d.adapters.every((a) => a.connection_state === 'ready');
    await snapshotUntil(join(cwd, 'lane-c'), allReady);
    await snapshotUntil(join(cwd, 'lane-p'), allReady);
    const ingress = watch(join(cwd, 'lane-c'), 'ingress');
    const egress = watch(join(cwd, 'lane-p'), 'egress');

    const feeder = new Feeder(server.brokers, inTopic, { batch: 200, everyMs: 50 });
    feeder.start();
    const lines = appender(join(cwd, 'in.log'), 100, 50);
    const out = join(cwd, 'out.log');
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
    const appended = await lines.stop();

    const until = Date.now() + 60_000;
    let written = await readLines(out);
    while (!sent.every(has(new Set(written))) && Date.now() < until) {
      await sleep(200);
      written = await readLines(out);
    }
    const produced = await topicHolds(outTopic, appended);
    await Promise.all([ingress.stop(), egress.stop()]);
    consume.child.kill('SIGTERM');
    produce.child.kill('SIGTERM');
    const [consumed, producedExit] = await Promise.all([consume.exit, produce.exit]);

    const writtenSet = new Set(written);
    const missing = sent.filter((b) => !writtenSet.has(b));
    expect(
      missing.slice(0, 5),
      `kafka → file: ${missing.length} of ${sent.length} missing`,
    ).toEqual([]);
    const producedSet = new Set(produced);
    const lost = appended.filter((l) => !producedSet.has(l));
    expect(lost.slice(0, 5), `file → kafka: ${lost.length} of ${appended.length} missing`).toEqual(
      [],
    );
    const r = recovery(ingress.seen, back);
    expect(r, 'kafka ingress: reconnecting, then ready, with a failure on record').toMatchObject({
      reconnecting: true,
      ready: true,
      failing: expect.stringContaining('[transport:kafka]'),
    });
    const w = recovery(egress.seen, back);
    expect(w, 'kafka egress: reconnecting, then ready').toMatchObject({
      reconnecting: true,
      ready: true,
    });
    expect(consumed.code, consumed.stderr).toBe(143);
    expect(producedExit.code, producedExit.stderr).toBe(143);

    console.log(
      `kafka broker restart: broker down→ready ${back - down} ms. kafka → file: ingress ready again ${r.readyAfterMs} ms and first message written ${
        firstWriteAfter ? firstWriteAfter - back : '?'
      } ms after the broker was ready; ${sent.length} messages, ${missing.length} missing, ${written.length - writtenSet.size} duplicates; last_error: ${r.failing}. ` +
        `file → kafka: egress ready again ${w.readyAfterMs} ms after; ${appended.length} lines, ${lost.length} missing, ${produced.length - producedSet.size} duplicates; last_error: ${w.failing}`,
    );
  }, 180_000);
});

const has =
  (set: ReadonlySet<string>) =>
  (body: string): boolean =>
    set.has(body);
