#!/usr/bin/env node
// Benchmark (not a timed test): NATS JetStream → NATS JetStream through the adapter loop with the
// identity stage, beside hand-written pipes doing the same at-least-once work with the same
// client (nats 2.29) and batch size, measured in the same run: one publishing like the transport
// (raw publishes, PubAcks collected on one inbox: the fair baseline for the ratio), one with
// nats.js `js.publish()` per message. Prints messages/s for each and the ratios.
//
//   node bench/nats.mjs [--messages=200000] [--bytes=100] [--batch=1024] [--rounds=2]
//                       [--ring=8192] [--url=nats://127.0.0.1:4222] [--pipes=loop,raw,js]
//
// Every pipe, per batch: pull up to --batch messages from a durable pull consumer (explicit
// acks), publish them to another stream with a Nats-Msg-Id each and wait for every PubAck, then
// acknowledge the batch and wait for the server to confirm it, then start the next batch.
// The streams are created for the run and deleted afterwards.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { createNatsTransport } from '../packages/transport-nats/dist/index.js';
import { record } from './lib/results.mjs';

// The client the transport uses (bench/ does not depend on it directly).
const require = createRequire(new URL('../packages/transport-nats/package.json', import.meta.url));
const { AckPolicy, connect, createInbox, headers, nanos, StorageType } = require('nats');

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    bytes: { type: 'string', default: '100' },
    batch: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '2' },
    ring: { type: 'string', default: '8192' },
    url: { type: 'string', default: process.env.EDGEPLANE_NATS_URL ?? 'nats://127.0.0.1:4222' },
    pipes: { type: 'string', default: 'loop,raw,js' },
  },
});
const N = Number(values.messages);
const BYTES = Number(values.bytes);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const url = values.url;
const PIPES = new Set(values.pipes.split(','));
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

/** N messages of BYTES bytes (a 12-digit counter, then x), published 1024 at a time. */
async function seed() {
  await stream(IN);
  const body = Buffer.alloc(BYTES, 'x');
  const publish = rawPublisher();
  const t0 = performance.now();
  for (let i = 0; i < N; i += 1024) {
    const items = [];
    for (let j = i; j < Math.min(N, i + 1024); j++) {
      const b = Buffer.from(body);
      b.write(String(j).padStart(12, '0'), 0, 'latin1');
      items.push({ body: b });
    }
    await publish(IN, items);
  }
  return (performance.now() - t0) / 1000;
}

/**
 * Raw JetStream publishes of a batch with the PubAcks collected on one wildcard inbox (what a
 * careful hand-written pipe does, and what the transport does): resolves when all are in.
 */
function rawPublisher() {
  const prefix = createInbox();
  let left = 0;
  let done;
  nc.subscribe(`${prefix}.*`, {
    callback: (_, m) => {
      if (m.data[2] === 0x65) throw new Error(`PubAck error: ${new TextDecoder().decode(m.data)}`);
      if (--left === 0) done();
    },
  });
  return (subject, items) => {
    left = items.length;
    const all = new Promise((r) => {
      done = r;
    });
    for (let i = 0; i < items.length; i++) {
      nc.publish(subject, items[i].body, { headers: items[i].headers, reply: `${prefix}.${i}` });
    }
    return all;
  };
}

/** The hand-written pipe: consume → publish batch (PubAcks) → ack batch (confirmed) → repeat. */
async function handWritten(round, mode) {
  const name = `hand-${mode}-${round}`;
  const out = `${tag}-out-hand-${mode}-${round}`;
  const raw = mode === 'raw' ? rawPublisher() : undefined;
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
    const items = batch.map((m) => {
      const h = headers();
      h.set('Nats-Msg-Id', `${IN}:${m.seq}`);
      return { body: m.data, headers: h };
    });
    if (raw) await raw(out, items);
    else await Promise.all(items.map((x) => js.publish(out, x.body, { headers: x.headers })));
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
    `seeding: ${Math.round(N / seedSecs).toLocaleString('en')} msg/s (raw publishes, 1024 per round trip)`,
  );
  const results = { hand: [], handJs: [], loop: [] };
  for (let r = 0; r < ROUNDS; r++) {
    if (PIPES.has('loop')) results.loop.push(await edgeplane(r));
    if (PIPES.has('raw')) results.hand.push(await handWritten(r, 'raw'));
    if (PIPES.has('js')) results.handJs.push(await handWritten(r, 'js'));
  }
  const rate = (x) => Math.round(x.messages / x.secs);
  const best = (xs) => xs.reduce((a, b) => (rate(b) > rate(a) ? b : a), { messages: 0, secs: 1 });
  const fmt = (n) => n.toLocaleString('en');
  const h = rate(best(results.hand));
  const hj = rate(best(results.handJs));
  const e = rate(best(results.loop));
  console.log(`hand-written pipe, raw publishes + PubAcks on one inbox: ${fmt(h)} msg/s`);
  console.log(`hand-written pipe, js.publish() per message:             ${fmt(hj)} msg/s`);
  console.log(`edgeplane loop (nats→identity→nats):                     ${fmt(e)} msg/s`);
  console.log(`ratio edgeplane/hand-written (raw): ${((e / h) * 100).toFixed(1)}%`);
  console.log(`ratio edgeplane/hand-written (js.publish): ${((e / hj) * 100).toFixed(1)}%`);
  record({
    case: 'nats → nats (JetStream)',
    unit: 'msg/s',
    series: [
      { name: 'edgeplane', role: 'edgeplane', value: e },
      { name: 'hand-written pipe (raw publishes)', role: 'baseline', value: h },
      { name: 'hand-written pipe (js.publish)', role: 'baseline', value: hj },
    ].filter((s) => s.value > 0),
    details: { messages: N, bytes: BYTES, batch: BATCH, rounds: ROUNDS, of: 'best' },
  });
  const list = (xs) => xs.map((x) => fmt(rate(x))).join(', ');
  console.log(
    `rounds: loop ${list(results.loop)}; raw ${list(results.hand)}; js ${list(results.handJs)}`,
  );
} finally {
  for (const name of created) await jsm.streams.delete(name).catch(() => false);
  await nc.close();
}
