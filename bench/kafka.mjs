#!/usr/bin/env node
// Benchmark (not a timed test): Kafka, in one run on one broker —
//   Kafka's own Java client (ProducerPerformance / ConsumerPerformance, the broker's version),
//   the raw Node clients (kafkajs, @platformatic/kafka): producer, consumer, kafka→kafka pipe,
//   and edgeplane's Kafka transport through createLoop: egress, ingress, kafka→kafka.
//
//   node bench/kafka.mjs [--messages=1000000] [--bytes=100] [--partitions=1] [--rounds=2]
//                        [--batch=1024] [--only=java,kafkajs,platformatic,edgeplane,baseline]
//                        [--baseline=PATH]   (another build of the transport, e.g. an older one)
//
// Every case runs in a process of its own (CPU seconds and peak RSS are that process's); rounds
// alternate the order of the clients. All producers are idempotent with acks=all. Consumers and
// pipes read one source topic, filled once (untimed) by ProducerPerformance, each with a new
// consumer group, and commit offsets only after the batch is done (pipes: after the produce).
// Broker: $EDGEPLANE_KAFKA_BROKERS, else the single-node broker of @edgeplane/test-servers
// (127.0.0.1:$EDGEPLANE_KAFKA_PORT, default 19092; started, and downloaded once, if needed).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureKafkaTools, javaBinary, KAFKA_VERSION, kafkaServer } from '@edgeplane/test-servers';
import { recordKafka, table } from './kafka/table.mjs';
import { record } from './lib/results.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    bytes: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' },
    batch: { type: 'string', default: '1024' },
    only: { type: 'string', default: 'java,kafkajs,platformatic,edgeplane,baseline' },
    baseline: { type: 'string' },
  },
});
const only = new Set(values.only.split(','));
const brokers = (await kafkaServer()()).brokers.join(',');
const libs = join(await ensureKafkaTools(), '*');
const java = javaBinary();
const tmp = mkdtempSync(join(tmpdir(), 'ep-kafka-bench-'));
const common = [
  `--brokers=${brokers}`,
  `--messages=${values.messages}`,
  `--bytes=${values.bytes}`,
  `--partitions=${values.partitions}`,
  `--batch=${values.batch}`,
];
const stamp = Date.now().toString(36);

/** Runs argv under /usr/bin/time; resolves { stdout, wall, cpu, rssMiB }. */
function timed(argv) {
  const out = join(tmp, 'time');
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`${argv.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      const [wall, user, sys, rss] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
      resolve({ stdout, wall, cpu: user + sys, rssMiB: rss / 1024 });
    });
  });
}

const jvm = (main, args) => [
  java,
  '-Xmx1g',
  '-cp',
  libs,
  `org.apache.kafka.tools.${main}`,
  ...args,
];
const producerProps = (extra) => [
  '--producer-props',
  `bootstrap.servers=${brokers}`,
  'acks=all',
  'enable.idempotence=true',
  ...extra,
];

async function javaProduce(topic, extra) {
  const r = await timed(
    jvm('ProducerPerformance', [
      '--topic',
      topic,
      '--num-records',
      values.messages,
      '--record-size',
      values.bytes,
      '--throughput',
      '-1',
      ...producerProps(extra),
    ]),
  );
  const rate = Number(/([\d.]+) records\/sec/.exec(r.stdout.trim().split('\n').pop())?.[1]);
  return { msgPerSec: rate, cpuSeconds: r.cpu, rssMiB: r.rssMiB, cpuNote: 'process' };
}

async function javaConsume(topic) {
  const r = await timed(
    jvm('ConsumerPerformance', [
      '--bootstrap-server',
      brokers,
      '--topic',
      topic,
      '--messages',
      values.messages,
      '--group',
      `bench-java-${Math.random().toString(36).slice(2)}`,
      '--timeout',
      '120000',
    ]),
  );
  const cols = r.stdout
    .trim()
    .split('\n')
    .pop()
    .split(',')
    .map((s) => s.trim());
  return { msgPerSec: Number(cols[9]), cpuSeconds: r.cpu, rssMiB: r.rssMiB, cpuNote: 'process' };
}

async function node(script, args) {
  const r = await timed([
    process.execPath,
    join(import.meta.dirname, 'kafka', script),
    ...args,
    ...common,
  ]);
  const line = JSON.parse(
    r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
  return {
    msgPerSec: line.msgPerSec,
    cpuSeconds: line.cpuSeconds,
    rssMiB: r.rssMiB,
    cpuNote: 'timed section',
  };
}

function createTopic(name) {
  execFileSync(
    java,
    [
      '-cp',
      libs,
      'org.apache.kafka.tools.TopicCommand',
      '--bootstrap-server',
      brokers,
      '--create',
      '--topic',
      name,
      '--partitions',
      values.partitions,
      '--replication-factor',
      '1',
    ],
    { stdio: 'ignore' },
  );
  return name;
}

const source = createTopic(`bench-source-${stamp}`);
await javaProduce(source, ['batch.size=131072', 'linger.ms=10']);
const src = [`--topic=${source}`];
const groups = {
  java: [
    [
      'java',
      'produce (defaults)',
      () => javaProduce(createTopic(`bench-java-${Math.random().toString(36).slice(2)}`), []),
    ],
    [
      'java',
      'produce (batch.size=131072 linger.ms=10)',
      () =>
        javaProduce(createTopic(`bench-java-${Math.random().toString(36).slice(2)}`), [
          'batch.size=131072',
          'linger.ms=10',
        ]),
    ],
    ['java', 'consume', () => javaConsume(source)],
  ],
  kafkajs: ['produce', 'consume', 'pipe'].map((op) => [
    'kafkajs',
    op,
    () => node('kafkajs.mjs', [op, ...(op === 'produce' ? [] : src)]),
  ]),
  platformatic: ['produce', 'consume', 'pipe'].map((op) => [
    'platformatic',
    op,
    () => node('platformatic.mjs', [op, ...(op === 'produce' ? [] : src)]),
  ]),
  edgeplane: ['egress', 'ingress', 'pipe'].map((op) => [
    'edgeplane',
    op,
    () => node('edgeplane.mjs', [op, ...(op === 'egress' ? [] : src)]),
  ]),
  baseline: values.baseline
    ? [
        [
          'baseline',
          'pipe',
          () => node('edgeplane.mjs', ['pipe', ...src, `--transport=${values.baseline}`]),
        ],
      ]
    : [],
};
const order = Object.keys(groups).filter((g) => only.has(g));
const results = new Map();
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(
  `Kafka ${KAFKA_VERSION} at ${brokers}; ${values.messages} × ${values.bytes} B, ${values.partitions} partition(s), ${values.rounds} rounds; Node ${process.version}; load ${load()}`,
);
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    const groupsThisRound = round % 2 === 0 ? order : [...order].reverse();
    for (const g of groupsThisRound) {
      for (const [client, op, run] of groups[g]) {
        const r = await run();
        const key = `${client}|${op}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        console.log(
          `  round ${round + 1} ${client} ${op}: ${Math.round(r.msgPerSec).toLocaleString('en')} msg/s, ${r.cpuSeconds.toFixed(1)} s CPU, ${r.rssMiB.toFixed(0)} MiB`,
        );
      }
    }
  }
  console.log(`load at the end ${load()}\n`);
  console.log(table(results, Number(values.messages)));
  recordKafka(record, results, Number(values.messages));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
