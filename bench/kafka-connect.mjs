#!/usr/bin/env node
// Benchmark (not a timed test): edgeplane beside the peers a user would deploy instead, on one
// broker, in one run —
//   file → kafka   `edgeplane run` (file ingress → kafka egress) | Kafka Connect FileStreamSource
//   kafka → file   `edgeplane run` (kafka ingress → file egress) | Kafka Connect FileStreamSink
//   kafka → kafka  `edgeplane run` (kafka → kafka)               | MirrorMaker 2's MirrorSourceConnector
//
//   pnpm exec node bench/kafka-connect.mjs [--messages=1000000] [--bytes=100]
//     [--sizes=1000000x100,200000x1024] [--partitions=1,4] [--pairs=file-source,file-sink,mirror]
//     [--rounds=1] [--fsync=batch|never] [--brokers=H:P] [--cpu-prof] [--node-flags='--trace-gc']
//     [--edgeplane=loop.batchMaxMessages=4096,…]   (more adapter-config lines, for experiments)
//     [--sides=edgeplane]   (one side only, for experiments; the table then has no ratios)
//
// Each side is its own long-running process (a Connect standalone worker with one connector, or
// the edgeplane CLI), measured from outside: the destination is counted every 100 ms (topic end
// offsets, or the output file's lines) until every message has landed, then the process is
// stopped. msg/s is taken from the first message landed to the last (start-up excluded; the
// "incl. start-up" ratio counts from the spawn), CPU seconds from /proc/<pid>/stat over the same
// span, peak RSS is VmHWM. Producers use acks=all on both sides; topics have the same partitions.
// The order of the sides alternates from one pair to the next (and between rounds).
// Broker: --brokers, else a broker of its own from @edgeplane/test-servers (the test broker's
// settings, on free ports), stopped and deleted at the end. Results: bench/results/*.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, ensureKafka, freePort, KAFKA_VERSION } from '@edgeplane/test-servers';
import { connectArgv, mirrorTopic } from './connect/connect.mjs';
import { edgeplaneArgv } from './connect/edgeplane.mjs';
import {
  admin,
  createTopic,
  fileCounter,
  fillTopic,
  inputFile,
  killFill,
  topicCounter,
} from './connect/io.mjs';
import { loadavg } from './connect/procstat.mjs';
import { killAll, runSide } from './connect/side.mjs';
import { summarise, table } from './connect/table.mjs';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    bytes: { type: 'string', default: '100' },
    sizes: { type: 'string' },
    partitions: { type: 'string', default: '1,4' },
    pairs: { type: 'string', default: 'file-source,file-sink,mirror' },
    rounds: { type: 'string', default: '1' },
    fsync: { type: 'string' },
    brokers: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    edgeplane: { type: 'string', default: '' },
    sides: { type: 'string', default: 'edgeplane,peer' },
  },
});
const PAIRS = {
  'file-source': ['file→kafka', 'Connect FileStreamSource'],
  'file-sink': ['kafka→file', 'Connect FileStreamSink'],
  mirror: ['kafka→kafka', 'MM2 MirrorSourceConnector'],
};
const pairs = values.pairs.split(',').map((p) => {
  if (!PAIRS[p]) throw new Error(`--pairs: unknown pair ${p} (known: ${Object.keys(PAIRS)})`);
  return PAIRS[p];
});
const sizes = (values.sizes ?? `${values.messages}x${values.bytes}`).split(',').map((s) => {
  const [messages, bytes] = s.split('x').map(Number);
  return { messages, bytes };
});
const layouts = values.partitions.split(',').map(Number);
const stamp = Date.now().toString(36);
const tmp = join(import.meta.dirname, '.tmp');
mkdirSync(tmp, { recursive: true });
const work = mkdtempSync(join(tmp, 'kafka-connect-'));
const cpuProf = values['cpu-prof'] ? join(work, 'profiles') : undefined;
const nodeFlags = values['node-flags'].split(' ').filter(Boolean);
const extra = values.edgeplane.split(',').filter(Boolean);
const onlySides = values.sides.split(',');

/** A broker port whose next port (the controller's) is free too. */
async function freePortPair() {
  for (;;) {
    const port = await freePort();
    const free = await new Promise((r) => {
      const s = createServer().once('error', () => r(false));
      s.listen(port + 1, '127.0.0.1', () => s.close(() => r(true)));
    });
    if (free) return port;
  }
}

let server;
let brokerPort;
if (!values.brokers) {
  brokerPort = await freePortPair();
  server = await ensureKafka({ port: brokerPort, stopOnClose: true });
}
const brokers = values.brokers ?? server.brokers.join(',');
const a = await admin(brokers);
async function teardown() {
  killAll();
  killFill();
  await a.disconnect().catch(() => {});
  if (server) {
    await server.stop();
    if (server.provenance === 'started') {
      rmSync(join(cacheDir(), `kafka-${KAFKA_VERSION}`, `run-${brokerPort}`), {
        recursive: true,
        force: true,
      });
    }
  }
}
process.once('SIGINT', () => teardown().finally(() => process.exit(130)));

const runs = [];
const meta = {
  started: new Date().toISOString(),
  node: process.version,
  kafka: KAFKA_VERSION,
  cpus: cpus().length,
  brokers,
  args: values,
  loadBefore: loadavg(),
};
console.log(
  `Kafka ${KAFKA_VERSION} at ${brokers}; ${sizes.map((s) => `${s.messages} × ${s.bytes} B`).join(', ')}; partitions ${layouts}; ${values.rounds} round(s); Node ${process.version}; load ${meta.loadBefore}`,
);

let turn = 0;
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const { messages, bytes } of sizes) {
      const input = inputFile(join(tmp, `connect-input-${messages}x${bytes}.txt`), messages, bytes);
      for (const partitions of layouts) {
        const source = await createTopic(
          a,
          `bench-connect-src-${stamp}-${round}-${bytes}-${partitions}`,
          partitions,
        );
        if (pairs.some(([pair]) => pair !== 'file→kafka')) {
          await fillTopic(brokers, source, messages, bytes);
          const counter = await topicCounter(brokers, source);
          const filled = await counter().finally(counter.close);
          if (filled !== messages)
            throw new Error(`${source} holds ${filled} messages, ${messages} expected`);
        }
        for (const [pair, peer] of pairs) {
          const order = (turn++ + round) % 2 === 0 ? ['edgeplane', 'peer'] : ['peer', 'edgeplane'];
          for (const side of order.filter((s) => onlySides.includes(s))) {
            const dir = mkdtempSync(join(work, `${side}-`));
            const name = `bench-${side}-${stamp}-${turn}`;
            const o = { dir, brokers, input, source, output: join(dir, 'out.txt'), name };
            if (pair === 'kafka→kafka' && side === 'peer') o.topic = mirrorTopic(source);
            else if (pair !== 'kafka→file')
              o.topic = await createTopic(a, `${name}-out`, partitions);
            const argv =
              side === 'peer'
                ? await connectArgv(pair, { ...o, restPort: await freePort() })
                : edgeplaneArgv(pair, {
                    ...o,
                    group: name,
                    fsync: values.fsync,
                    cpuProf,
                    nodeFlags,
                    extra,
                  });
            const count =
              pair === 'kafka→file'
                ? fileCounter(o.output, bytes)
                : await topicCounter(brokers, o.topic);
            const load = loadavg();
            const r = await runSide({
              argv,
              cwd: dir,
              log: join(dir, 'run.log'),
              count,
              expected: messages,
            }).finally(count.close);
            runs.push({ round, messages, bytes, partitions, pair, peer, side, load, ...r });
            console.log(
              `  ${messages}×${bytes} B, ${partitions} p, ${pair}, ${side === 'peer' ? peer : 'edgeplane'}: ${Math.round(r.steadyMsgPerSec).toLocaleString('en')} msg/s (${Math.round(r.totalMsgPerSec).toLocaleString('en')} incl. start-up), ${r.steadyCpuPerM.toFixed(1)} CPU s/M, ${r.peakRssMiB.toFixed(0)} MiB peak RSS; load ${load}`,
            );
            if (o.topic) await a.deleteTopics({ topics: [o.topic] }).catch(() => {});
            rmSync(o.output, { force: true });
          }
        }
        await a.deleteTopics({ topics: [source] }).catch(() => {});
      }
    }
  }
  meta.loadAfter = loadavg();
  console.log(`load at the end ${meta.loadAfter}\n`);
  console.log(table(runs));
  // One result per case and figure for `pnpm bench` (run-all); nothing when run alone.
  for (const { key, peer, edgeplane: e, other: p } of summarise(runs)) {
    const [input, partitions, pair] = key.split('|');
    const what = `${pair}, ${input}, ${partitions} partition(s)`;
    const series = (pick) => [
      { name: 'edgeplane', role: 'edgeplane', value: pick(e) },
      { name: peer, role: 'peer', value: pick(p) },
    ];
    const details = { rounds: e.rounds, totalMsgPerSecRatio: e.totalMsgPerSec / p.totalMsgPerSec };
    record({ case: what, unit: 'msg/s', series: series((x) => x.msgPerSec), details });
    record({ case: `${what}: CPU`, unit: 'CPU s/M msgs', series: series((x) => x.cpuPerM) });
    record({ case: `${what}: peak RSS`, unit: 'MiB', series: series((x) => x.rssMiB) });
  }
  if (cpuProf) console.log(`\nedgeplane CPU profiles: ${cpuProf}`);
  const results = join(import.meta.dirname, 'results');
  mkdirSync(results, { recursive: true });
  const file = join(
    results,
    `kafka-connect-${meta.started.slice(0, 19).replaceAll(':', '-')}.json`,
  );
  writeFileSync(file, `${JSON.stringify({ bench: 'kafka-connect', ...meta, runs }, null, 2)}\n`);
  console.log(`results: ${file}`);
} finally {
  await teardown();
  if (!cpuProf && !nodeFlags.length) rmSync(work, { recursive: true, force: true });
  else console.log(`work files (logs, profiles): ${work}`);
}
