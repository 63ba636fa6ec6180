import { existsSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaUsersOverride, type PrivateKafka, privateKafka, uniqueName } from '../src/index.js';
import { isAlive } from '../src/lock.js';

const { Kafka, logLevel } = kafkajs;

function client(
  server: PrivateKafka,
  sasl?: { username: string; password: string },
  requestTimeout = 5_000,
): kafkajs.Kafka {
  return new Kafka({
    clientId: 'private-kafka-test',
    brokers: [...server.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout,
    retry: { retries: 0 },
    ...(sasl ? { sasl: { mechanism: 'plain' as const, ...sasl } } : {}),
  });
}

async function produce(kafka: kafkajs.Kafka, topic: string, values: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 3 } });
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
  } finally {
    await producer.disconnect();
  }
}

/** The topic's high watermark of partition 0. */
async function end(kafka: kafkajs.Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Number(offsets[0]?.high);
  } finally {
    await admin.disconnect();
  }
}

describe('privateKafka', () => {
  let server: PrivateKafka;
  beforeAll(async () => {
    server = await privateKafka();
  });
  afterAll(() => server?.dispose());

  it('runs on its own port and data dir, answering produce and offsets requests', async () => {
    expect(server.port).not.toBe(19092);
    expect(server.port).not.toBe(29092);
    expect(isAlive(server.pid)).toBe(true);
    const topic = uniqueName('ep-private');
    await produce(client(server), topic, ['a', 'b', 'c']);
    expect(await end(client(server), topic)).toBe(3);
  });

  it('pause() makes requests time out, resume() answers again', async () => {
    const topic = uniqueName('ep-private-pause');
    await produce(client(server), topic, ['x']);
    server.pause();
    try {
      const began = Date.now();
      await expect(end(client(server, undefined, 1_500), topic)).rejects.toThrow();
      expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
      expect(isAlive(server.pid)).toBe(true);
    } finally {
      server.resume();
    }
    expect(await end(client(server), topic)).toBe(1);
  });

  it('kill() then start() comes back on the same port with the same data', async () => {
    const topic = uniqueName('ep-private-kill');
    await produce(client(server), topic, ['1', '2']);
    const before = server.pid;
    await server.kill();
    expect(isAlive(before)).toBe(false);
    await expect(end(client(server, undefined, 1_000), topic)).rejects.toThrow();
    await server.start();
    expect(server.pid).not.toBe(before);
    expect(await end(client(server), topic)).toBe(2);
  });

  it('dispose() ends the process and deletes the data', async () => {
    const other = await privateKafka();
    const pid = other.pid;
    await other.stop();
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(other.dataDir)).toBe(true);
    await other.dispose();
    expect(existsSync(other.dataDir)).toBe(false);
  });
});

describe('privateKafka with SASL users', () => {
  let server: PrivateKafka;
  beforeAll(async () => {
    server = await privateKafka({ saslUsers: { alice: 'alice-1' } });
  });
  afterAll(() => server?.dispose());

  it('takes the right password, refuses a wrong one, and changes passwords on restart', async () => {
    const topic = uniqueName('ep-private-sasl');
    await produce(client(server, { username: 'alice', password: 'alice-1' }), topic, ['v']);
    await expect(
      produce(client(server, { username: 'alice', password: 'wrong' }), topic, ['v']),
    ).rejects.toThrow(/SASL|[Aa]uthentication/);
    await server.stop();
    await server.start(kafkaUsersOverride(server, { alice: 'alice-2' }));
    await expect(
      produce(client(server, { username: 'alice', password: 'alice-1' }), topic, ['v']),
    ).rejects.toThrow(/SASL|[Aa]uthentication/);
    await produce(client(server, { username: 'alice', password: 'alice-2' }), topic, ['w']);
    expect(await end(client(server, server.admin), topic)).toBe(2);
  });
});
