#!/usr/bin/env node
// Benchmark (not a timed test): end-to-end latency at fixed offered rates, as an HDR histogram.
//
//   node bench/latency.mjs [--pipes=file-redis-file,kafka-kafka] [--rates=1000,10000]
//                          [--seconds=20] [--warmup=3] [--bytes=100] [--poll-ms=10] [--hgrm]
//
// A paced producer in a worker thread (lib/producer.mjs) offers `rate` messages/s, each body
// stamped with its SCHEDULED send time (open loop: a producer or pipe that falls behind makes
// every later message late, so coordinated omission is not hidden). Latency is taken when the
// last egress's send() resolves ok, i.e. when the message is durable (lib/measure.mjs), and is
// recorded in µs in an hdr-histogram-js histogram; the first `warmup` seconds are delivered and
// checked but not histogrammed. Every message must arrive exactly once (checked).
//   file-redis-file: producer appends lines to a file; loop A: file (follow, poll-ms) → Redis
//     stream; loop B: Redis stream (group) → file (fsync=batch). Both loops in this process.
//   kafka-kafka: producer → topic (1 partition, idempotent, acks=all); loop: topic → topic.
// Loop settings are the defaults a spec gets (ring 1024, batch 1024, linger 5 ms), so the file
// follow poll (default 200 ms, here --poll-ms) and the linger are in the figures.
// Two figures per run, both taken outside the loop by wrapping transports (lib/measure.mjs), so
// the loop carries no instrumentation: (1) ingress receive → egress durable, from the moment the
// (first) loop's ingress hands a message over: what the loop and, for file-redis-file, the Redis
// hop add; (2) scheduled send → egress durable, which adds the time a message waits in the file
// (the follow poll) or the broker before a loop reads it, and is the one free of coordinated
// omission. The file path crosses two loops: no single loop's timestamps could follow a message
// through Redis, which is why the receive time is kept per message number here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createLoop } from '@edgeplane/adapter-loop';
import { kafkaServer, uniqueName } from '@edgeplane/test-servers';
import { createFileTransport } from '@edgeplane/transport-file';
import { createKafkaTransport } from '@edgeplane/transport-kafka';
import { createRedisStreamsTransport } from '@edgeplane/transport-redis-streams';
import { deliveryTracker, observeDurable, observeReceive } from './lib/measure.mjs';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    pipes: { type: 'string', default: 'file-redis-file,kafka-kafka' },
    rates: { type: 'string', default: '1000,10000' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    bytes: { type: 'string', default: '100' },
    'poll-ms': { type: 'string', default: '10' },
    url: { type: 'string', default: process.env.EDGEPLANE_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    hgrm: { type: 'boolean', default: false },
  },
});
const BYTES = Number(values.bytes);
const spec = {
  name: 'latency',
  capacity: 1024,
  stages: [{ id: 'f', stage: 'identity', dependsOn: [] }],
};
const tmp = mkdtempSync(join(tmpdir(), 'ep-latency-'));

function producer(data) {
  const worker = new Worker(new URL('./lib/producer.mjs', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function ready(loops) {
  const t0 = Date.now();
  while (!loops.every((l) => l.snapshot().adapters.every((a) => a.connection_state === 'ready'))) {
    if (Date.now() - t0 > 60_000) throw new Error('the loops did not open within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
}

/** Builds the pipe's loops around `tracker`; resolves { loops, source, cleanup }. */
const PIPES = {
  async 'file-redis-file'(tracker, rate) {
    const dir = mkdtempSync(join(tmp, `frf-${rate}-`));
    const input = join(dir, 'in.log');
    writeFileSync(input, '');
    const stream = uniqueName('ep-latency');
    const url = values.url;
    const a = createLoop({
      spec,
      ingress: {
        transport: observeReceive(
          createFileTransport({ path: input, follow: true, pollMs: Number(values['poll-ms']) }),
          tracker.onReceived,
        ),
      },
      egress: { transport: createRedisStreamsTransport({ url, stream }) },
      lanePath: join(dir, 'lane-a'),
    });
    const b = createLoop({
      spec,
      ingress: { transport: createRedisStreamsTransport({ url, stream, group: 'latency' }) },
      egress: {
        transport: observeDurable(
          createFileTransport({ path: join(dir, 'out.log'), fsync: 'batch' }),
          tracker.onDurable,
        ),
      },
      lanePath: join(dir, 'lane-b'),
    });
    const pkg = new URL('../packages/transport-redis-streams/package.json', import.meta.url);
    const { Redis } = createRequire(pkg)('ioredis');
    return {
      loops: [a, b],
      source: { kind: 'file', path: input },
      cleanup: async () => {
        const admin = new Redis(url);
        await admin.del(stream);
        admin.disconnect();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async 'kafka-kafka'(tracker) {
    const brokers = [...(await kafkaServer()()).brokers];
    const { Admin } = await import('@platformatic/kafka');
    const admin = new Admin({ clientId: 'edgeplane-bench', bootstrapBrokers: brokers });
    const input = uniqueName('ep-latency-in');
    const output = uniqueName('ep-latency-out');
    await admin.createTopics({ topics: [input, output], partitions: 1, replicas: 1 });
    const loop = createLoop({
      spec,
      ingress: {
        transport: observeReceive(
          createKafkaTransport({ brokers, topic: input, groupId: input, fromBeginning: true }),
          tracker.onReceived,
        ),
      },
      egress: {
        transport: observeDurable(
          createKafkaTransport({ brokers, topic: output }),
          tracker.onDurable,
        ),
      },
    });
    return {
      loops: [loop],
      source: { kind: 'kafka', brokers, topic: input },
      cleanup: async () => {
        await admin.deleteTopics({ topics: [input, output] }).catch(() => undefined);
        await admin.close();
      },
    };
  },
};

async function measure(pipe, rate) {
  const seconds = Number(values.seconds);
  const count = Math.round(rate * (seconds + Number(values.warmup)));
  const tracker = deliveryTracker(count, Math.round(rate * Number(values.warmup)));
  const { loops, source, cleanup } = await PIPES[pipe](tracker, rate);
  const runs = loops.map((l) => l.run());
  try {
    await ready(loops);
    const load0 = loadavg()[0];
    const cpu0 = process.cpuUsage();
    const offered = await producer({ ...source, rate, count, bytes: BYTES });
    const timeout = new Promise((r) => setTimeout(r, 30_000, 'timeout').unref());
    const end = await Promise.race([tracker.all, timeout]);
    const cpu = process.cpuUsage(cpu0);
    const s = tracker.summary();
    const r = tracker.summary(tracker.inLoop);
    const w = tracker.summary(tracker.beforeLoop);
    const lost = count - tracker.delivered;
    console.log(
      `${pipe} at ${rate.toLocaleString('en')} msg/s offered (${offered.sent} sent in ${offered.seconds.toFixed(1)} s, producer at most ${offered.behindMaxMs.toFixed(1)} ms behind schedule): ` +
        `p50 ${s.p50} ms, p90 ${s.p90}, p99 ${s.p99}, p99.9 ${s.p999}, max ${s.max} (${s.count} messages after warm-up); ` +
        `from the first loop's receive: p50 ${r.p50} ms, p99 ${r.p99}, p99.9 ${r.p999}, max ${r.max}; ` +
        `schedule → that receive: p50 ${w.p50} ms, p99 ${w.p99}, p99.9 ${w.p999}, max ${w.max}; ` +
        `lost ${lost}, duplicates ${tracker.duplicates}; process CPU (producer thread included) ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`,
    );
    if (values.hgrm) console.log(tracker.histogram.outputPercentileDistribution(1000));
    if (end === 'timeout' || lost > 0)
      throw new Error(
        `${pipe} at ${rate}/s: ${lost} message(s) did not arrive, e.g. ${tracker.missing()}`,
      );
    const percentiles = (x) =>
      ['p50', 'p99', 'p999', 'max'].map((p) => ({ name: p, role: 'edgeplane', value: x[p] }));
    record({
      case: `${pipe} at ${rate} msg/s, ingress receive → egress durable`,
      unit: 'ms',
      series: percentiles(r),
      details: {
        offered: rate,
        seconds,
        warmup: Number(values.warmup),
        bytes: BYTES,
        scheduledToReceive: w,
      },
    });
    record({
      case: `${pipe} at ${rate} msg/s, scheduled send → egress durable`,
      unit: 'ms',
      series: percentiles(s),
      details: {
        offered: rate,
        seconds,
        warmup: Number(values.warmup),
        bytes: BYTES,
        behindMaxMs: offered.behindMaxMs,
        duplicates: tracker.duplicates,
      },
    });
  } finally {
    for (const l of loops) l.stop();
    await Promise.all(runs);
    await cleanup();
  }
  const failed = (await Promise.all(runs)).find((r) => r.state === 'failed');
  if (failed) throw new Error(`${pipe}: a loop failed: ${failed.error?.message}`);
}

try {
  for (const pipe of values.pipes.split(',')) {
    if (!PIPES[pipe]) throw new Error(`unknown pipe ${pipe} (known: ${Object.keys(PIPES)})`);
    for (const rate of values.rates.split(',').map(Number)) await measure(pipe, rate);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
