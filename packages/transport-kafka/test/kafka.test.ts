import type { InboundBatch, InboundMessage, Transport } from '@edgeplane/adapter-loop/transport';
import { type KafkaTestServer, kafkaServer } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTransport, type KafkaTransportOptions } from '../src/index.js';
import { Created, createTopic, FAST, produce, testClient } from './support.js';

const created = new Created();
let server: KafkaTestServer;
const opened: Transport[] = [];

beforeAll(async () => {
  server = await kafkaServer()();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
afterAll(async () => {
  await created.cleanup(server.brokers);
});

const text = (s: string) => new TextEncoder().encode(s);
const body = (m: InboundMessage) => Buffer.from(m.body).toString();

function transport(options: Partial<KafkaTransportOptions> & { topic?: string }) {
  const t = createKafkaTransport({
    brokers: server.brokers,
    fromBeginning: true,
    ...FAST,
    ...options,
  });
  opened.push(t);
  return t;
}

/** Receives until `count` messages arrived (or fails after `ms`); the iteration then ends. */
async function take(
  t: Transport,
  count: number,
  options: { from?: string; ms?: number } = {},
): Promise<{ messages: InboundMessage[]; batches: InboundBatch[] }> {
  const messages: InboundMessage[] = [];
  const batches: InboundBatch[] = [];
  const signal = AbortSignal.timeout(options.ms ?? 20_000);
  for await (const batch of t.receive?.({ signal, from: options.from }) ?? []) {
    batches.push(batch);
    messages.push(...batch.messages);
    if (messages.length >= count) break;
  }
  if (messages.length < count) throw new Error(`got ${messages.length} of ${count}`);
  return { messages, batches };
}

async function committed(groupId: string, topic: string): Promise<Record<number, number>> {
  const admin = testClient(server.brokers).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(
      (entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
    );
  } finally {
    await admin.disconnect();
  }
}

describe('kafka transport against the real broker', () => {
  it('a rebalance revokes a partition: acks for it are no-ops, its records go to the new owner', async () => {
    const topic = created.name('ep-kafka-rebalance');
    await createTopic(server.brokers, topic, 2);
    const bodies = Array.from({ length: 20 }, (_, i) => `r-${i}`);
    await produce(server.brokers, topic, bodies, { partitionOf: (i) => i % 2 });
    const a = transport({ topic, groupId: topic });
    await a.open({ role: 'ingress' });
    const held = await take(a, 20);
    expect(new Set(held.messages.map((m) => m.position?.split(':')[0]))).toEqual(
      new Set(['0', '1']),
    );

    const b = transport({ topic, groupId: topic });
    await b.open({ role: 'ingress' }); // joins: the group rebalances, one partition each
    for (const batch of held.batches) await batch.ack();
    const moved = await take(b, 10);
    const bPartition = Number(moved.messages[0]?.position?.split(':')[0]);
    const aPartition = 1 - bPartition;
    expect(moved.messages.map(body).sort()).toEqual(
      bodies.filter((_, i) => i % 2 === bPartition).sort(),
    );
    const offsets = await committed(topic, topic);
    expect(offsets[aPartition], 'a committed the partition it kept').toBe(10);
    expect(offsets[bPartition], 'nobody committed the moved partition yet').toBe(-1);
    for (const batch of moved.batches) await batch.ack();
    expect((await committed(topic, topic))[bPartition]).toBe(10);
  }, 60_000);

  it('lag is the group lag: end offsets minus committed offsets', async () => {
    const topic = created.name('ep-kafka-lag');
    await createTopic(server.brokers, topic, 1);
    await produce(
      server.brokers,
      topic,
      Array.from({ length: 30 }, (_, i) => `l-${i}`),
    );
    const t = transport({ topic, groupId: topic, lagIntervalMs: 100 });
    await t.open({ role: 'ingress' });
    const lagUntil = async (want: number) => {
      const until = Date.now() + 10_000;
      let lag: number | null = null;
      while (Date.now() < until) {
        lag = (await t.lag?.())?.lag ?? null;
        if (lag === want) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`lag ${lag}, expected ${want}`);
    };
    await lagUntil(30);
    const { batches } = await take(t, 30);
    for (const batch of batches) await batch.ack();
    await lagUntil(0);
  }, 30_000);

  it('the sink splits a batch over maxBatchBytes into ordered requests; refuses bodies over maxBodyBytes', async () => {
    const topic = created.name('ep-kafka-split');
    const sink = transport({ topic, maxBatchBytes: 2048, maxBodyBytes: 200 });
    await sink.open({ role: 'egress' });
    const sent = Array.from(
      { length: 100 },
      (_, i) => `s-${String(i).padStart(3, '0')}-${'x'.repeat(90)}`,
    );
    expect((await sink.send?.(sent.map((s) => ({ body: text(s) }))))?.status).toBe('ok');
    const tooBig = await sink.send?.([{ body: text('fine') }, { body: new Uint8Array(201) }]);
    // the oversized body fails alone: 'fine' is taken
    expect(tooBig).toMatchObject({
      status: 'partial',
      rejected: [{ index: 1, error: { code: 'too-large' } }],
    });
    const source = transport({ topic, groupId: topic });
    await source.open({ role: 'ingress' });
    const { messages } = await take(source, 101);
    expect(messages.map(body)).toEqual([...sent, 'fine']);
  }, 30_000);

  it('the sink puts a batch of keyless records in one partition and the next batch in the next; keys still pick theirs', async () => {
    const topic = created.name('ep-kafka-sticky');
    await createTopic(server.brokers, topic, 3);
    const sink = transport({ topic });
    await sink.open({ role: 'egress' });
    for (let b = 0; b < 3; b++) {
      const batch = Array.from({ length: 10 }, (_, i) => ({ body: text(`b${b}-${i}`) }));
      expect((await sink.send?.(batch))?.status).toBe('ok');
    }
    const keyed = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, body: text(`k${i}`) }));
    expect((await sink.send?.(keyed))?.status).toBe('ok');
    const source = transport({ topic, groupId: topic });
    await source.open({ role: 'ingress' });
    const { messages } = await take(source, 60);
    const partitionOf = (m: InboundMessage) => m.position?.split(':')[0];
    const byBatch = new Map<string, Set<string | undefined>>();
    for (const m of messages.filter((m) => m.key === undefined)) {
      const b = body(m).split('-')[0] as string;
      byBatch.set(b, (byBatch.get(b) ?? new Set()).add(partitionOf(m)));
    }
    // each batch whole in one partition, the three batches in three partitions
    expect([...byBatch.values()].map((p) => p.size)).toEqual([1, 1, 1]);
    expect(new Set([...byBatch.values()].flatMap((p) => [...p])).size).toBe(3);
    // keyed records are spread by their key (murmur2), not kept together
    const keyedPartitions = new Set(messages.filter((m) => m.key).map(partitionOf));
    expect(keyedPartitions.size).toBeGreaterThan(1);
  }, 30_000);

  it('a record the broker refuses (topic max.message.bytes) fails alone; the others are taken in order, with their origin', async () => {
    const topic = created.name('ep-kafka-poison');
    const admin = testClient(server.brokers).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: 1,
            configEntries: [{ name: 'max.message.bytes', value: '2000' }],
          },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    // the transport's own limit is far higher: only the broker can refuse the record
    const sink = transport({ topic, maxBodyBytes: 1_000_000 });
    await sink.open({ role: 'egress' });
    const batch = ['a', 'b', 'poison', 'c', 'd'].map((s) => ({
      body: s === 'poison' ? new Uint8Array(10_000) : text(s),
    }));
    const result = await sink.send?.(batch);
    expect(result).toMatchObject({
      status: 'partial',
      rejected: [{ index: 2, error: { code: 'too-large' } }],
    });
    const rejected = result?.status === 'partial' ? result.rejected : [];
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.error.message).toMatch(/MESSAGE_TOO_LARGE|too large/i);
    expect(rejected[0]?.error.hint).toMatch(/max\.message\.bytes/);
    const source = transport({ topic, groupId: topic });
    await source.open({ role: 'ingress' });
    const { messages } = await take(source, 4);
    expect(messages.map(body)).toEqual(['a', 'b', 'c', 'd']);
    expect(messages[0]?.origin).toBe(`topic ${topic} partition 0 offset 0`);
    expect(messages[3]?.origin).toBe(`topic ${topic} partition 0 offset 3`);
  }, 30_000);

  it('reads several topics: ids name the topic, replay takes <topic>/<partition>:<offset>', async () => {
    const [t1, t2] = [created.name('ep-kafka-multi'), created.name('ep-kafka-multi')] as [
      string,
      string,
    ];
    for (const topic of [t1, t2]) {
      const sink = transport({ topic });
      await sink.send(
        Array.from({ length: 10 }, (_, i) => ({ body: text(`${topic}-${i}`), key: 'k' })),
      );
    }
    const source = transport({ topics: [t1, t2], groupId: t1 });
    await source.open({ role: 'ingress' });
    const all = await take(source, 20);
    expect(new Set(all.messages.map((m) => m.id.split('/')[0]))).toEqual(new Set([t1, t2]));
    expect(all.messages.every((m) => m.key === 'k')).toBe(true);
    const again = await take(source, 5, { from: `${t2}/0:4` });
    expect(again.messages.map(body)).toEqual([5, 6, 7, 8, 9].map((i) => `${t2}-${i}`));
    const ambiguous = take(source, 1, { from: '0:4' });
    await expect(ambiguous).rejects.toMatchObject({ code: 'invalid-input' });
  }, 30_000);

  it('role-specific options are checked when the role starts', async () => {
    const topic = created.name('ep-kafka-roles');
    const noGroup = transport({ topic });
    await expect(noGroup.open({ role: 'ingress' })).rejects.toMatchObject({
      code: 'invalid-config',
      details: { option: 'groupId' },
    });
    const twoTopics = transport({ topics: [topic, `${topic}-b`] });
    const result = await twoTopics.send?.([{ body: text('x') }]);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'invalid-config' } });
  }, 30_000);
});
