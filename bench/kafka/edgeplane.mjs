#!/usr/bin/env node
// edgeplane's Kafka transport through createLoop (identity stage): egress | ingress | pipe.
//   node bench/kafka/edgeplane.mjs <op> --brokers=H:P [--messages=N] [--bytes=B] [--batch=1024]
//        [--ring=8192] [--topic=SOURCE] [--transport=MODULE]
// egress: an in-memory ingress (pre-built batches of `batch` messages, acks free) → Kafka egress.
// ingress: Kafka ingress (a new consumer group, from the beginning) → an in-memory egress that
//   drops what it gets: the receive rate, batches handed to the loop, acks (commits) included.
// pipe: Kafka → Kafka. `--transport` loads another build of the transport (a module path or
//   package name exporting createKafkaTransport), e.g. an older one as a baseline.
// Timed from the first message the loop takes to the last one the egress took. Prints one JSON line.
import { pathToFileURL } from 'node:url';
import { createLoop } from '@edgeplane/adapter-loop';
import { caseArgs, report, stopwatch, unique } from './common.mjs';

const a = caseArgs({
  ring: { type: 'string', default: '8192' },
  transport: { type: 'string', default: '@edgeplane/transport-kafka' },
});
const spec = a.values.transport;
const { createKafkaTransport } = await import(
  spec.startsWith('.') || spec.startsWith('/') ? pathToFileURL(spec).href : spec
);

const CAPS = {
  ordering: 'total',
  redelivery: false,
  replay: false,
  keys: true,
  headers: true,
  delivery: 'at-least-once',
  framing: 'message',
};
let watch;
let measured;
let taken = 0;

/** In-memory ingress: `messages` bodies of `bytes` bytes in batches of `batch`. */
function memorySource() {
  const body = Buffer.alloc(a.bytes, 'x');
  return {
    name: 'memory',
    capabilities: { ...CAPS, source: true, sink: false },
    open: async () => {},
    async *receive({ signal }) {
      for (let sent = 0; sent < a.messages && !signal.aborted; ) {
        watch ??= stopwatch();
        const n = Math.min(a.batch, a.messages - sent);
        const messages = Array.from({ length: n }, (_, i) => ({
          id: String(sent + i),
          headers: {},
          body,
        }));
        sent += n;
        yield { messages, ack: async () => {}, nack: async () => {} };
      }
    },
    close: async () => {},
  };
}

/** Counts what the egress took; the stopwatch stops at the last message. */
function counting(transport) {
  return {
    name: transport.name,
    capabilities: transport.capabilities,
    open: (ctx) => transport.open(ctx),
    lag: transport.lag ? () => transport.lag() : undefined,
    close: () => transport.close(),
    async send(batch, signal) {
      watch ??= stopwatch();
      const result = transport.send ? await transport.send(batch, signal) : { status: 'ok' };
      if (result.status === 'ok') {
        taken += batch.length;
        if (taken >= a.messages) measured ??= watch();
      }
      return result;
    },
  };
}

const discard = {
  name: 'discard',
  capabilities: { ...CAPS, source: false, sink: true },
  open: async () => {},
  close: async () => {},
};
const kafka = (extra) => createKafkaTransport({ brokers: a.brokers, maxWaitTimeMs: 100, ...extra });
const sourceTopic = () =>
  a.topic ??
  (() => {
    throw new Error(`${a.op} needs --topic`);
  })();
const ingress = {
  egress: () => memorySource(),
  ingress: () =>
    kafka({ topic: sourceTopic(), groupId: unique('bench-edgeplane'), fromBeginning: true }),
  pipe: () =>
    kafka({ topic: sourceTopic(), groupId: unique('bench-edgeplane'), fromBeginning: true }),
}[a.op];
if (!ingress) throw new Error(`unknown op ${a.op}`);
const egress =
  a.op === 'ingress' ? discard : kafka({ topic: a.out ?? unique('bench-edgeplane-out') });

const loop = createLoop({
  spec: {
    name: 'bench',
    capacity: Number(a.values.ring),
    stages: [{ id: 'forward', stage: 'identity', dependsOn: [] }],
  },
  ingress: { transport: ingress() },
  egress: { transport: counting(egress) },
  batch: { maxMessages: a.batch, maxBytes: 16 << 20, lingerMs: 5 },
  maxMessages: a.messages,
});
const result = await loop.run();
if (result.state !== 'stopped' || result.ackedMessages !== a.messages) {
  throw new Error(
    `the loop did not move every message: ${JSON.stringify({ ...result, snapshot: undefined })}`,
  );
}
report({ client: `edgeplane (${spec})`, op: a.op, messages: a.messages }, measured);
