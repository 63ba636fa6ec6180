#!/usr/bin/env node
// Benchmark (not a timed test): RabbitMQ Streams → RabbitMQ Streams through the adapter loop
// (identity stage), beside a hand-written pipe doing the same at-least-once work with the same
// client (rabbitmq-stream-js-client 1.0.0) and the same batch size, measured in the same run.
// Prints messages/s for both (best and median of the rounds), their ratio, and the client
// process's CPU time per message (user + system), which a machine shared with the broker and
// other work disturbs far less than wall-clock rates.
//
//   node bench/rabbitmq-streams.mjs [--messages=200000] [--bytes=100] [--batch=4096]
//                                   [--rounds=5] [--ring=8192] [--url=rabbitmq-stream://...]
//
// Both sides read the same pre-filled source stream from its first message with a named
// consumer, publish into a stream of their own with a publisher reference, and per batch:
// wait for every publish confirm, then store the consumer offset and wait until the broker
// answers a query with it (what the transport's ack does). The hand-written pipe publishes with
// the client's own Publisher (basicSend + flush) and consumes with its Consumer (default
// credits of the client: one chunk at a time, which is its documented flow control).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { recordPair } from './lib/results.mjs';

const pkg = join(import.meta.dirname, '../packages/transport-rabbitmq-streams');
const { createRabbitmqStreamsTransport, installClientCompat } = await import(
  join(pkg, 'dist/index.js')
);
installClientCompat(); // RabbitMQ < 3.11 needs it for the raw client too
const { connect, Offset } = createRequire(join(pkg, 'package.json'))('rabbitmq-stream-js-client');

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '4096' },
    rounds: { type: 'string', default: '5' },
    ring: { type: 'string', default: '8192' },
    url: {
      type: 'string',
      default:
        process.env.EDGEPLANE_RABBITMQ_STREAM_URL ??
        'rabbitmq-stream://guest:guest@127.0.0.1:5552/',
    },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const url = values.url;
const u = new URL(url);
const params = {
  hostname: u.hostname,
  port: Number(u.port || 5552),
  username: decodeURIComponent(u.username || 'guest'),
  password: decodeURIComponent(u.password || 'guest'),
  vhost: decodeURIComponent(u.pathname.slice(1)) || '/',
};
const tag = `${Date.now().toString(36)}`;
const source = `ep-bench-source-${tag}`;
const created = [source];

async function fill() {
  const sink = createRabbitmqStreamsTransport({ url, stream: source, publisherRef: 'bench-fill' });
  const body = Buffer.alloc(BYTES, 'x');
  for (let i = 0; i < N; i += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, N - i) }, (_, k) => {
      const b = Buffer.from(body);
      b.write(String(i + k).padStart(12, '0'), 'latin1');
      return { body: b };
    });
    const result = await sink.send(batch);
    if (result.status !== 'ok') throw result.error;
  }
  await sink.close();
}

async function edgeplane(round) {
  const target = `ep-bench-edgeplane-${tag}-${round}`;
  created.push(target);
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: {
      transport: createRabbitmqStreamsTransport({
        url,
        stream: source,
        consumerName: `edgeplane-${round}`,
        batchMaxMessages: BATCH,
      }),
    },
    egress: {
      transport: createRabbitmqStreamsTransport({ url, stream: target, publisherRef: 'edgeplane' }),
    },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    maxMessages: N,
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  if (result.state !== 'stopped' || result.egressMessages !== N || result.ackedMessages !== N)
    throw new Error(
      `edgeplane run incomplete: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  return { messages: N, secs, cpuUs: cpu.user + cpu.system };
}

/** The hand-written pipe: consume, publish a batch, wait for its confirms, store the offset. */
async function raw(round) {
  const target = `ep-bench-raw-${tag}-${round}`;
  created.push(target);
  const reference = `raw-${round}`;
  let confirmed = 0n;
  let wake = () => {};
  const client = await connect({
    ...params,
    listeners: {
      publish_confirm: (c) => {
        confirmed += BigInt(c.publishingIds.length);
        wake();
      },
    },
  });
  await client.createStream({ stream: target });
  // One publish frame per batch (the client's default is 100 messages a frame).
  const publisher = await client.declarePublisher({
    stream: target,
    publisherRef: reference,
    maxChunkLength: BATCH,
  });
  let id = await publisher.getLastPublishingId();
  const buffered = [];
  let arrived = () => {};
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const consumer = await client.declareConsumer(
    { stream: source, offset: Offset.first(), consumerRef: reference },
    (message) => {
      buffered.push(message);
      arrived();
    },
  );
  let moved = 0;
  while (moved < N) {
    while (buffered.length === 0) await new Promise((r) => (arrived = r));
    const batch = buffered.splice(0, Math.min(BATCH, N - moved));
    const until = confirmed + BigInt(batch.length);
    for (const m of batch) publisher.basicSend(++id, m.content);
    await publisher.flush();
    while (confirmed < until) await new Promise((r) => (wake = r));
    const last = batch[batch.length - 1].offset;
    await consumer.storeOffset(last);
    while ((await consumer.queryOffset()) < last);
    moved += batch.length;
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await client.closeConsumer(consumer.extendedId);
  await publisher.close();
  await client.close();
  return { messages: moved, secs, cpuUs: cpu.user + cpu.system };
}

async function cleanup() {
  const client = await connect(params);
  for (const stream of created) await client.deleteStream({ stream }).catch(() => {});
  await client.close();
}

try {
  console.log(
    `rabbitmq-streams → rabbitmq-streams, identity stage, ${N} messages of ${BYTES} bytes, batch ${BATCH}, ${ROUNDS} rounds`,
  );
  await fill();
  const results = { raw: [], edgeplane: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so neither side always runs on a warmer broker.
    if (r % 2 === 0) {
      results.edgeplane.push(await edgeplane(r));
      results.raw.push(await raw(r));
    } else {
      results.raw.push(await raw(r));
      results.edgeplane.push(await edgeplane(r));
    }
  }
  const rate = (x) => Math.round(x.messages / x.secs);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (n) => n.toLocaleString('en');
  const summary = {};
  for (const side of ['raw', 'edgeplane']) {
    const rates = results[side].map(rate);
    const cpu = median(results[side].map((x) => x.cpuUs / x.messages));
    summary[side] = { best: Math.max(...rates), median: median(rates), cpu };
    console.log(`  ${side.padEnd(9)} rounds: ${rates.map(fmt).join(', ')} msg/s`);
  }
  const { raw: b, edgeplane: e } = summary;
  recordPair('rabbitmq-streams → rabbitmq-streams', e.best, 'hand-written pipe', b.best, {
    details: {
      messages: N,
      bytes: BYTES,
      batch: BATCH,
      rounds: ROUNDS,
      of: 'best',
      medians: [e.median, b.median],
      cpuUsPerMsg: [e.cpu, b.cpu],
    },
  });
  console.log(
    `hand-written pipe (client Consumer → Publisher, confirm, store+query offset): best ${fmt(b.best)} msg/s, median ${fmt(b.median)}, ${b.cpu.toFixed(2)} µs CPU/msg`,
  );
  console.log(
    `edgeplane loop (rabbitmq-streams → identity → rabbitmq-streams):            best ${fmt(e.best)} msg/s, median ${fmt(e.median)}, ${e.cpu.toFixed(2)} µs CPU/msg`,
  );
  console.log(
    `ratio edgeplane/hand-written: best ${((e.best / b.best) * 100).toFixed(1)}%, median ${((e.median / b.median) * 100).toFixed(1)}%; CPU per message ${((e.cpu / b.cpu) * 100).toFixed(1)}%`,
  );
} finally {
  await cleanup();
}
