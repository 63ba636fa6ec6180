#!/usr/bin/env node
// Benchmark (not a timed test): NATS JetStream → NATS JetStream through the adapter loop with the
// identity stage, beside a hand-written pipe doing the same at-least-once work with the same
// client (nats 2.29) and batch size, measured in the same run. Prints messages/s for both and
// their ratio.
//
//   node bench/nats.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--rounds=2]
//                       [--ring=8192] [--url=nats://127.0.0.1:4222]
//
// Both pipes, per batch: pull up to --batch messages from a durable pull consumer (explicit
// acks), publish them to another stream with a Nats-Msg-Id each and wait for every PubAck, then
// acknowledge the batch and wait for the server to confirm it, then start the next batch.
// The streams are created for the run and deleted afterwards.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { createNatsTransport } from '../packages/transport-nats/dist/index.js';

// The client the transport uses (bench/ does not depend on it directly).
const require = createRequire(new URL('../packages/transport-nats/package.json', import.meta.url));
const { AckPolicy, connect, headers, nanos, StorageType } = require('nats');

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '2' },
    ring: { type: 'string', default: '8192' },
    url: { type: 'string', default: process.env.EDGEPLANE_NATS_URL ?? 'nats://127.0.0.1:4222' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const url = values.url;
const tag = `bench-${process.pid}`;
const IN = `${tag}-in`;

const nc = await connect({ servers: url });
const jsm = await nc.jetstreamManager();
const js = nc.jetstream();
const created = [];

async function stream(name) {
  await jsm.streams.add({ name, subjects: [name], storage: StorageType.File });
  created.push(name);
}

async function durable(name) {
  await jsm.consumers.add(IN, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(60_000),
    max_ack_pending: 20_000,
  });
}

/** N messages of BYTES bytes (a 12-digit counter, then x), published with a window of 1024. */
async function seed() {
  await stream(IN);
  const body = Buffer.alloc(BYTES, 'x');
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1024) {
    const acks = [];
    for (let j = i; j < Math.min(N, i + 1024); j++) {
      const b = Buffer.from(body);
      b.write(String(j).padStart(12, '0'), 0, 'latin1');
      acks.push(js.publish(IN, b));
    }
    await Promise.all(acks);
  }
  return (performance.now() - t0) / 1000;
}

/** The hand-written pipe: consume → publish batch (PubAcks) → ack batch (confirmed) → repeat. */
async function handWritten(round) {
  const name = `hand-${round}`;
  const out = `${tag}-out-hand-${round}`;
  await stream(out);
  await durable(name);
  const consumer = await js.consumers.get(IN, name);
  const queue = [];
  let wake;
  const messages = await consumer.consume({
    max_messages: BATCH,
    expires: 1000,
    callback: (m) => {
      queue.push(m);
      wake?.();
    },
  });
  let moved = 0;
  const t0 = performance.now();
  while (moved < N) {
    if (queue.length === 0) {
      await new Promise((r) => {
        wake = r;
      });
      wake = undefined;
      continue;
    }
    const batch = queue.splice(0, BATCH);
    await Promise.all(
      batch.map((m) => {
        const h = headers();
        h.set('Nats-Msg-Id', `${IN}:${m.seq}`);
        return js.publish(out, m.data, { headers: h });
      }),
    );
    const last = batch.length - 1;
    for (let i = 0; i < last; i++) batch[i].ack();
    await batch[last].ackAck();
    moved += batch.length;
  }
  const secs = (performance.now() - t0) / 1000;
  messages.stop();
  return { messages: moved, secs };
}

/** The adapter loop: nats (durable) → identity → nats, same batch size. */
async function edgeplane(round) {
  const name = `loop-${round}`;
  const out = `${tag}-out-loop-${round}`;
  await stream(out);
  await durable(name);
  const loop = createLoop({
    spec: {
      name: 'bench',
      capacity: Number(values.ring),
      stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
    },
    ingress: {
      transport: createNatsTransport({
        servers: url,
        stream: IN,
        subject: IN,
        durable: name,
        pullMaxMessages: BATCH,
        batchMaxMessages: BATCH,
      }),
    },
    egress: { transport: createNatsTransport({ servers: url, stream: out, subject: out }) },
    batch: { maxMessages: BATCH, maxBytes: 64 << 20, lingerMs: 5 },
    maxMessages: N,
  });
  const t0 = performance.now();
  const result = await loop.run();
  const secs = (performance.now() - t0) / 1000;
  if (result.state !== 'stopped' || result.egressMessages !== N) {
    throw new Error(
      `the loop did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
    );
  }
  const stored = (await jsm.streams.info(out)).state.messages;
  if (stored !== N) throw new Error(`${out} holds ${stored} messages, expected ${N}`);
  return { messages: N, secs };
}

try {
  const seedSecs = await seed();
  console.log(
    `nats→nats (JetStream, ${url}), identity stage, ${N} messages of ${BYTES} bytes, batch ${BATCH}, ${ROUNDS} rounds (best of each)`,
  );
  console.log(
    `seeding: ${Math.round(N / seedSecs).toLocaleString('en')} msg/s (publish window 1024)`,
  );
  const results = { hand: [], loop: [] };
  for (let r = 0; r < ROUNDS; r++) {
    results.loop.push(await edgeplane(r));
    results.hand.push(await handWritten(r));
  }
  const rate = (x) => Math.round(x.messages / x.secs);
  const best = (xs) => xs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const h = rate(best(results.hand));
  const e = rate(best(results.loop));
  console.log(
    `hand-written pipe (consume → publish+PubAcks → ack+confirm): ${h.toLocaleString('en')} msg/s`,
  );
  console.log(`edgeplane loop (nats→identity→nats): ${e.toLocaleString('en')} msg/s`);
  console.log(`ratio edgeplane/hand-written: ${((e / h) * 100).toFixed(1)}%`);
  console.log(
    `rounds: loop ${results.loop.map((x) => rate(x).toLocaleString('en')).join(', ')}; hand ${results.hand.map((x) => rate(x).toLocaleString('en')).join(', ')}`,
  );
} finally {
  for (const name of created) await jsm.streams.delete(name).catch(() => false);
  await nc.close();
}
