import type { InboundMessage } from '@edgeplane/adapter-loop/transport';
import { type KafkaTestServer, kafkaServer } from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTransport } from '../src/index.js';
import { Created, createTopic, FAST, produce, testClient } from './support.js';

const created = new Created();
let server: KafkaTestServer;

beforeAll(async () => {
  server = await kafkaServer()();
});
afterAll(async () => {
  await created.cleanup(server.brokers);
});

/** The group's state and member ids, as the coordinator sees them. */
async function members(groupId: string): Promise<{ state: string; ids: string[] }> {
  const admin = testClient(server.brokers).admin();
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([groupId])).groups;
    return { state: group?.state ?? '?', ids: (group?.members ?? []).map((m) => m.memberId) };
  } finally {
    await admin.disconnect();
  }
}

describe('backpressure', () => {
  it('a full buffer stops fetching while the member keeps its place in the group (past sessionTimeoutMs)', async () => {
    const topic = created.name('ep-kafka-backpressure');
    await createTopic(server.brokers, topic, 1);
    const bodies = Array.from({ length: 300 }, (_, i) => `b-${String(i).padStart(3, '0')}`);
    await produce(server.brokers, topic, bodies);
    const t = createKafkaTransport({
      brokers: server.brokers,
      topic,
      groupId: topic,
      fromBeginning: true,
      ...FAST,
      batchMaxMessages: 10,
      bufferMaxMessages: 50,
    });
    try {
      await t.open({ role: 'ingress' });
      const batches = t.receive({ signal: AbortSignal.timeout(40_000) })[Symbol.asyncIterator]();
      const first = await batches.next();
      const before = await members(topic);
      expect(before).toMatchObject({ state: 'Stable' });
      expect(before.ids).toHaveLength(1);
      // The loop is "busy": nothing is taken for 1.5 × sessionTimeoutMs (6 s).
      await new Promise((r) => setTimeout(r, 9000));
      expect(await members(topic)).toEqual(before);
      const got: InboundMessage[] = [...(first.value?.messages ?? [])];
      await first.value?.ack();
      while (got.length < bodies.length) {
        const next = await batches.next();
        if (next.done) break;
        got.push(...next.value.messages);
        await next.value.ack();
      }
      await batches.return?.();
      // Same member throughout: every record once, in order (nothing revoked, nothing refetched).
      expect(got.map((m) => Buffer.from(m.body).toString())).toEqual(bodies);
    } finally {
      await t.close();
    }
  }, 60_000);
});
