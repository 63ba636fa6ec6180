// The pairs' inputs and destinations: the input file, topics (created, filled, counted, deleted)
// and the output file's line count.
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureKafkaTools, javaBinary } from '@edgeplane/test-servers';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/**
 * `messages` lines of exactly `bytes` bytes (a zero-padded line number, then `x`s) and LF, at
 * `path`; kept when a file of the right size is already there.
 */
export function inputFile(path, messages, bytes) {
  if (existsSync(path) && statSync(path).size === messages * (bytes + 1)) return path;
  const fd = openSync(path, 'w');
  const fill = 'x'.repeat(bytes);
  const perChunk = Math.max(1, Math.floor((4 << 20) / (bytes + 1)));
  try {
    for (let i = 0; i < messages; ) {
      const n = Math.min(perChunk, messages - i);
      let chunk = '';
      for (let j = 0; j < n; j++, i++) {
        const number = String(i).padStart(Math.min(10, bytes), '0');
        chunk += `${number}${fill.slice(number.length)}\n`;
      }
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Lines in a file of fixed-length lines (`bytes` + LF); 0 while it does not exist. */
export function fileCounter(path, bytes) {
  return Object.assign(
    () => {
      try {
        return Math.floor(statSync(path).size / (bytes + 1));
      } catch {
        return 0;
      }
    },
    { close: () => {} },
  );
}

/** A kafkajs admin client on `brokers` (a comma-separated list), connected. */
export async function admin(brokers, retries = 5) {
  const kafka = new Kafka({
    clientId: 'edgeplane-bench-connect',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries },
  });
  const a = kafka.admin();
  await a.connect();
  return a;
}

/** Creates `topic` with `partitions` partitions (replication factor 1). */
export async function createTopic(a, topic, partitions) {
  await a.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
  });
  return topic;
}

/**
 * Counts the messages in `topic`: the sum of its partitions' end offsets, undefined while it does
 * not exist (or the broker did not answer). A client of its own, without retries, that never
 * creates the topic; `close()` it after use.
 */
export async function topicCounter(brokers, topic) {
  const a = await admin(brokers, 0);
  const count = async () => {
    try {
      const offsets = await a.fetchTopicOffsets(topic);
      return offsets.reduce((n, p) => n + Number(p.high), 0);
    } catch {
      return undefined;
    }
  };
  return Object.assign(count, { close: () => a.disconnect().catch(() => {}) });
}

/**
 * Fills `topic` with `messages` records of `bytes` random upper-case letters, no key, with Kafka's
 * ProducerPerformance (acks=all, idempotent, batch.size=131072, linger.ms=10): untimed set-up.
 */
export async function fillTopic(brokers, topic, messages, bytes) {
  const libs = join(await ensureKafkaTools(), '*');
  const args = ['-Xmx1g', '-cp', libs, 'org.apache.kafka.tools.ProducerPerformance'];
  args.push('--topic', topic, '--num-records', String(messages), '--record-size', String(bytes));
  args.push('--throughput', '-1', '--producer-props', `bootstrap.servers=${brokers}`, 'acks=all');
  args.push('enable.idempotence=true', 'batch.size=131072', 'linger.ms=10');
  const run = promisify(execFile)(javaBinary(), args, { maxBuffer: 16 << 20 });
  filling = run.child;
  await run.finally(() => {
    filling = undefined;
  });
}

let filling;

/** Kills (SIGKILL) a ProducerPerformance still filling a topic: for an interrupted bench. */
export function killFill() {
  filling?.kill('SIGKILL');
}
