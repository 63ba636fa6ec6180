#!/usr/bin/env node
// Soak (not a timed test, not in CI): Redis stream → Redis stream through the adapter loop at a
// steady offered rate, sampling this process's RSS and heap every `sample` seconds.
//
//   node bench/soak.mjs [--minutes=2] [--rate=2000] [--warmup=SECONDS] [--sample=10] [--bytes=100]
//                       [--url=redis://127.0.0.1:6379]
//
// The paced producer (lib/producer.mjs, stamped bodies, pipelines of XADDs) runs in a CHILD
// process, so the RSS sampled is the loop's process alone. Each sample also reads what reached
// the output stream since the last one (XREAD), marks each message number seen, and trims both
// streams behind what is done (input: before the oldest pending entry; output: what was read),
// so a long soak does not grow the shared Redis. Pass: every message reached the output
// stream (none lost; duplicates are counted), and RSS grew less than 10% from the first sample
// after warm-up (default: a quarter of the run, 30 s to 5 min) to the last. Prints one line per
// sample and a summary.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createLoop } from '@edgeplane/adapter-loop';
import { uniqueName } from '@edgeplane/test-servers';
import { createRedisStreamsTransport } from '@edgeplane/transport-redis-streams';
import { deliveryTracker, observeDurable } from './lib/measure.mjs';
import { stampedSeq } from './lib/paced.mjs';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    rate: { type: 'string', default: '2000' },
    warmup: { type: 'string' },
    sample: { type: 'string', default: '10' },
    bytes: { type: 'string', default: '100' },
    url: { type: 'string', default: process.env.EDGEPLANE_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const RATE = Number(values.rate);
const COUNT = Math.round(RATE * Number(values.minutes) * 60);
const url = values.url;
const input = uniqueName('ep-soak-in');
const output = uniqueName('ep-soak-out');
const pkg = new URL('../packages/transport-redis-streams/package.json', import.meta.url);
const { Redis } = createRequire(pkg)('ioredis');
const admin = new Redis(url, { protocol: 2 });

// default warm-up: a quarter of the run, 30 s to 5 min (V8 takes minutes to size its heap)
const WARMUP = Number(
  values.warmup ?? Math.min(300, Math.max(30, (Number(values.minutes) * 60) / 4)),
);
const tracker = deliveryTracker(COUNT, Math.round(RATE * WARMUP));
const inOutput = new Uint8Array(COUNT).fill(1).fill(0); // touched before the first sample
let outputEntries = 0;
let lastRead = '0';

/** Reads the output stream past `lastRead`, marks the numbers seen, trims what was read. */
async function drainOutput() {
  for (;;) {
    const reply = await admin.xreadBuffer('COUNT', 10_000, 'STREAMS', output, lastRead);
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) break;
    for (const [id, fields] of entries) {
      let body;
      for (let i = 0; i < fields.length; i += 2)
        if (fields[i].toString() === 'body') body = fields[i + 1];
      const seq = body ? stampedSeq(body) : COUNT;
      if (seq < COUNT) inOutput[seq] = 1;
      outputEntries++;
      lastRead = id.toString();
    }
  }
  if (lastRead !== '0') await admin.xtrim(output, 'MINID', lastRead);
  // input: everything before the oldest pending entry (or the last delivered one) is acked
  const [pending, oldest] = await admin.xpending(input, 'soak');
  const groups = await admin.xinfo('GROUPS', input);
  const g = groups.find((f) => f[f.indexOf('name') + 1] === 'soak');
  const upTo = pending > 0 ? oldest : g?.[g.indexOf('last-delivered-id') + 1];
  if (upTo) await admin.xtrim(input, 'MINID', upTo);
}

const loop = createLoop({
  spec: { name: 'soak', capacity: 1024, stages: [{ id: 'f', stage: 'identity', dependsOn: [] }] },
  ingress: { transport: createRedisStreamsTransport({ url, stream: input, group: 'soak' }) },
  egress: {
    transport: observeDurable(
      createRedisStreamsTransport({ url, stream: output }),
      tracker.onDurable,
    ),
  },
});
const mib = (b) => Number((b / 2 ** 20).toFixed(1));
const samples = [];
const t0 = Date.now();
function sample() {
  const m = process.memoryUsage();
  const s = {
    t: Math.round((Date.now() - t0) / 1000),
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
    delivered: tracker.delivered,
    load1: Number(loadavg()[0].toFixed(2)),
  };
  samples.push(s);
  console.log(
    `  ${String(s.t).padStart(5)} s  RSS ${s.rssMiB} MiB  heap ${s.heapUsedMiB}/${s.heapTotalMiB} MiB  external ${s.externalMiB} MiB  delivered ${s.delivered}  load ${s.load1}`,
  );
}

console.log(
  `soak: redis-streams → redis-streams, ${RATE} msg/s offered for ${values.minutes} min (${COUNT} messages of ${values.bytes} bytes), samples every ${values.sample} s, warm-up ${WARMUP} s, ${url}`,
);
const run = loop.run();
let timer;
let child;
// interrupted: end the producer and remove the streams (a finished run does this in `finally`)
for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    child?.kill();
    admin.del(input, output).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
try {
  child = fork(new URL('./lib/producer.mjs', import.meta.url), [
    JSON.stringify({
      kind: 'redis',
      url,
      stream: input,
      rate: RATE,
      count: COUNT,
      bytes: Number(values.bytes),
    }),
  ]);
  const offered = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => code && reject(new Error(`the producer exited ${code}`)));
  });
  sample();
  let busy = false;
  timer = setInterval(() => {
    if (busy) return;
    busy = true;
    drainOutput()
      .then(sample)
      .catch((e) => console.error(`sample failed: ${e.message}`))
      .finally(() => {
        busy = false;
      });
  }, Number(values.sample) * 1000);
  const produced = await offered;
  const end = await Promise.race([
    tracker.all,
    new Promise((r) => setTimeout(r, 60_000, 'timeout').unref()),
  ]);
  clearInterval(timer);
  while (busy) await new Promise((r) => setTimeout(r, 50));
  await drainOutput();
  sample();
  let lost = 0;
  for (let i = 0; i < COUNT; i++) if (!inOutput[i]) lost++;
  const warm = samples.filter((s) => s.t >= WARMUP);
  const after = warm.length > 0 ? warm : samples;
  const first = after[0] ?? samples[0];
  const last = samples[samples.length - 1];
  const growth = (last.rssMiB - first.rssMiB) / first.rssMiB;
  const peak = Math.max(...after.map((s) => s.rssMiB));
  const l = tracker.summary();
  console.log(
    `offered ${produced.sent} in ${produced.seconds.toFixed(0)} s (producer at most ${produced.behindMaxMs.toFixed(0)} ms behind); ` +
      `output stream got ${outputEntries} entries, lost ${lost}, duplicates ${outputEntries - (COUNT - lost)}${end === 'timeout' ? ' (timed out waiting)' : ''}`,
  );
  console.log(
    `RSS after warm-up ${first.rssMiB} MiB (t=${first.t} s) → ${last.rssMiB} MiB at the end (${(growth * 100).toFixed(1)}%), peak ${peak} MiB; heap used after warm-up ${Math.min(...after.map((x) => x.heapUsedMiB))}–${Math.max(...after.map((x) => x.heapUsedMiB))} MiB (GC sawtooth); ` +
      `latency p50 ${l.p50} ms, p99 ${l.p99}, p99.9 ${l.p999}, max ${l.max}`,
  );
  console.log(
    `${lost === 0 && growth < 0.1 ? 'PASS' : 'FAIL'}: no message lost and RSS growth below 10% after warm-up`,
  );
  record({
    case: `redis-streams → redis-streams soak, ${values.minutes} min at ${RATE} msg/s`,
    unit: 'MiB',
    higherIsBetter: false,
    series: [
      { name: 'RSS after warm-up', role: 'edgeplane', value: first.rssMiB },
      { name: 'RSS at the end', role: 'edgeplane', value: last.rssMiB },
      { name: 'RSS peak', role: 'edgeplane', value: peak },
    ],
    details: {
      growthPct: Number((growth * 100).toFixed(1)),
      lost,
      outputEntries,
      latencyMs: l,
      samples,
    },
  });
  if (lost > 0) process.exitCode = 1;
} finally {
  clearInterval(timer);
  loop.stop();
  await run;
  await admin.del(input, output);
  admin.disconnect();
}
