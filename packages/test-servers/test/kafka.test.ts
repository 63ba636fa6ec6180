import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ensureKafka,
  ensureKafkaConnect,
  ensureKafkaTools,
  freePort,
  javaBinary,
  KAFKA_VERSION,
  type KafkaTestServer,
  kafkaServer,
  restartKafka,
  TestServerError,
  uniqueName,
} from '../src/index.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

function client(brokers: readonly string[]): kafkajs.Kafka {
  return new Kafka({
    clientId: 'test-servers-test',
    brokers: [...brokers],
    logLevel: logLevel.WARN,
  });
}

/** Creates a topic, produces `values`, consumes them back from the beginning. */
async function roundTrip(
  brokers: readonly string[],
  topic: string,
  values: string[],
): Promise<string[]> {
  const kafka = client(brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  await producer.disconnect();
  return consumeAll(kafka, topic, values.length);
}

async function consumeAll(kafka: kafkajs.Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('ep-test-group') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${received.length}/${count}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push(message.value?.toString() ?? '');
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return received;
}

describe('kafkaServer', () => {
  let server: KafkaTestServer;

  beforeAll(async () => {
    server = await kafkaServer()();
    console.info(`kafka: ${server.provenance} in ${server.readyInMs} ms at ${server.url}`);
  });
  afterAll(() => server.stop());

  it('serves a real broker: create a topic, produce 3 messages, consume them back', async () => {
    expect(server.brokers.length).toBeGreaterThan(0);
    const topic = uniqueName('ep-test-servers');
    const values = ['one', 'two', 'three'];
    expect(await roundTrip(server.brokers, topic, values)).toEqual(values);
  });

  it('reuses the running broker on a second ensure, fast', async () => {
    const again = await ensureKafka();
    expect(again.url).toBe(server.url);
    expect(['reused', 'env']).toContain(again.provenance);
    expect(again.readyInMs).toBeLessThan(5_000);
  });

  it('fails loudly with a fix-it message when EDGEPLANE_KAFKA_BROKERS does not answer', async () => {
    vi.stubEnv('EDGEPLANE_KAFKA_BROKERS', `127.0.0.1:${await freePort()}`);
    try {
      const error = await ensureKafka().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TestServerError);
      expect((error as TestServerError).message).toMatch(/EDGEPLANE_KAFKA_BROKERS=.*\n {2}fix: /);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('restartKafka', () => {
  // a broker of its own on other ports, so restarting it cannot disturb tests sharing 19092
  let port: number;
  let server: KafkaTestServer;

  beforeAll(async () => {
    port = 19_192;
    server = await ensureKafka({ port, stopOnClose: true });
  });
  afterAll(() => server?.stop());

  it('restarts on the same ports and keeps the data', async () => {
    expect(server.provenance).not.toBe('env');
    const topic = uniqueName('ep-restart');
    expect(await roundTrip(server.brokers, topic, ['before'])).toEqual(['before']);
    const began = Date.now();
    await restartKafka({ port });
    console.info(`kafka restart: ${Date.now() - began} ms`);
    expect(await consumeAll(client(server.brokers), topic, 1)).toEqual(['before']);
  });
});

describe('ensureKafkaTools', () => {
  it('resolves kafka-tools at the broker version, and ProducerPerformance runs from it', async () => {
    for (const pom of ['kafka/pom.xml', 'kafka-tools/pom.xml', 'kafka-connect/pom.xml']) {
      const text = readFileSync(new URL(`../${pom}`, import.meta.url), 'utf8');
      expect(text).toContain(`<kafka.version>${KAFKA_VERSION}</kafka.version>`);
    }
    const libs = await ensureKafkaTools();
    expect(readdirSync(libs)).toContain(`kafka-tools-${KAFKA_VERSION}.jar`);
    const help = await new Promise<string>((resolve) => {
      const args = ['-cp', join(libs, '*'), 'org.apache.kafka.tools.ProducerPerformance', '--help'];
      execFile(javaBinary(), args, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
    });
    expect(help).toContain('--num-records');
  }, 300_000);
});

describe('ensureKafkaConnect', () => {
  it('resolves Kafka Connect (runtime, file and mirror connectors) at the broker version, and the MirrorMaker 2 driver runs from it', async () => {
    const libs = await ensureKafkaConnect();
    const jars = readdirSync(libs);
    for (const artifact of ['connect-runtime', 'connect-file', 'connect-mirror', 'connect-json']) {
      expect(jars).toContain(`${artifact}-${KAFKA_VERSION}.jar`);
    }
    const usage = await new Promise<string>((resolve) => {
      const args = [
        '-cp',
        join(libs, '*'),
        'org.apache.kafka.connect.mirror.MirrorMaker',
        '--help',
      ];
      execFile(javaBinary(), args, (_error, stdout, stderr) => resolve(`${stdout}${stderr}`));
    });
    expect(usage).toContain('usage: connect-mirror-maker');
  }, 300_000);
});
