// Faults injected into a private broker (test-servers `privateKafka`, SASL/PLAIN): a hung broker
// during open(), consumer-group events, credentials changed mid-run.
import type {
  ConnectionState,
  EdgeplaneError,
  GroupEvent,
  InboundMessage,
  Transport,
} from '@edgeplane/adapter-loop/transport';
import {
  kafkaUsersOverride,
  type PrivateKafka,
  privateKafka,
  uniqueName,
} from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTransport, type KafkaTransportOptions } from '../src/index.js';
import { FAST } from './support.js';

let server: PrivateKafka;
let password = 'alice-1';
const opened: Transport[] = [];

beforeAll(async () => {
  server = await privateKafka({ saslUsers: { alice: password } });
});
afterEach(async () => {
  server.resume();
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
afterAll(() => server?.dispose());

const text = (s: string) => new TextEncoder().encode(s);
const body = (m: InboundMessage) => Buffer.from(m.body).toString();

function transport(options: Partial<KafkaTransportOptions>) {
  const t = createKafkaTransport({
    brokers: server.brokers,
    fromBeginning: true,
    saslMechanism: 'plain',
    saslUsername: 'alice',
    saslPassword: password,
    ...FAST,
    ...options,
  });
  opened.push(t);
  return t;
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  const admin = server.adminClient().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

describe('open() honours context.signal', () => {
  for (const role of ['ingress', 'egress'] as const) {
    it(`${role}: an abort while the broker hangs rejects within 1 s with cancelled`, async () => {
      const topic = uniqueName('ep-kafka-open');
      await createTopic(topic, 1);
      server.pause();
      const t = transport({ topic, groupId: topic, requestTimeoutMs: 30_000 });
      const controller = new AbortController();
      const opening = t.open({ role, signal: controller.signal });
      const outcome = opening.then(
        () => 'resolved',
        (e: EdgeplaneError) => e,
      );
      await new Promise((r) => setTimeout(r, 1_500));
      const began = Date.now();
      controller.abort();
      const error = await outcome;
      expect(Date.now() - began).toBeLessThan(1_000);
      expect(error).toMatchObject({ code: 'cancelled' });
      expect(String((error as Error).message)).toMatch(/open cancelled/);
    });
  }
});

describe('consumer-group events', () => {
  it('each member reports its whole assignment, and the revocation when a second member joins', async () => {
    const topic = uniqueName('ep-kafka-group');
    await createTopic(topic, 2);
    const first: GroupEvent[] = [];
    const second: GroupEvent[] = [];
    const a = transport({ topic, groupId: topic });
    await a.open({ role: 'ingress', onGroupEvent: (e) => first.push(e) });
    expect(first.at(-1)).toMatchObject({
      type: 'assigned',
      partitions: [`${topic}/0`, `${topic}/1`],
    });
    expect(first.at(-1)?.detail).toMatch(/generation \d+, member \S+/);
    const b = transport({ topic, groupId: topic });
    await b.open({ role: 'ingress', onGroupEvent: (e) => second.push(e) });
    // a rebalance: the first member gives up one partition and is assigned the other
    const deadline = Date.now() + 20_000;
    while (
      Date.now() < deadline &&
      !(first.some((e) => e.type === 'revoked') && first.at(-1)?.partitions.length === 1)
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const revoked = first.find((e) => e.type === 'revoked');
    expect(revoked?.partitions).toHaveLength(1);
    const mine = first.at(-1);
    expect(mine).toMatchObject({ type: 'assigned' });
    expect(mine?.partitions).toHaveLength(1);
    const theirs = second.at(-1);
    expect(theirs).toMatchObject({ type: 'assigned' });
    expect([...(mine?.partitions ?? []), ...(theirs?.partitions ?? [])].sort()).toEqual([
      `${topic}/0`,
      `${topic}/1`,
    ]);
    expect(revoked?.partitions).toEqual(theirs?.partitions);
  }, 40_000);
});

describe('a topic deleted mid-run is never replayed from the start', () => {
  async function deleteTopic(topic: string): Promise<void> {
    const admin = server.adminClient().admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  }

  it('ingress: a permanent not-found naming the topic, the last acknowledged offset and the fix; not recreated', async () => {
    const topic = uniqueName('ep-kafka-gone-in');
    await createTopic(topic, 1);
    const sink = transport({ topic });
    await sink.open({ role: 'egress' });
    expect(
      await sink.send?.(Array.from({ length: 5 }, (_, i) => ({ body: text(`m${i}`) }))),
    ).toEqual({ status: 'ok' });
    await sink.close();
    const states: [ConnectionState, EdgeplaneError | undefined][] = [];
    const source = transport({ topic, groupId: topic, batchMaxMessages: 3 });
    await source.open({ role: 'ingress', onStateChange: (s, e) => states.push([s, e]) });
    const iterator = source
      .receive?.({ signal: AbortSignal.timeout(60_000) })
      [Symbol.asyncIterator]();
    const first = await iterator?.next();
    expect(first?.value?.messages.map(body)).toEqual(['m0', 'm1', 'm2']);
    await first?.value?.ack();
    await deleteTopic(topic);
    let thrown: EdgeplaneError | undefined;
    for (let i = 0; i < 5 && !thrown; i++) {
      thrown = await iterator?.next().then(
        () => undefined,
        (e: EdgeplaneError) => e,
      );
    }
    expect(thrown?.code).toBe('not-found');
    expect(thrown?.message).toMatch(
      new RegExp(
        `^\\[transport:kafka\\] topic "${topic}" was deleted on the brokers while this lane was reading it \\((it no longer exists|a new topic of that name exists now: .*)\\); last acknowledged: ${topic}/0 offset 2$`,
      ),
    );
    expect(thrown?.hint).toMatch(/recreate the topic/);
    expect(states.find(([s]) => s === 'failed')?.[1]?.code).toBe('not-found');
    await source.close();
    const admin = server.adminClient().admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(topic);
  }, 60_000);

  it('egress: a permanent not-found; the topic is not created again by a send', async () => {
    const topic = uniqueName('ep-kafka-gone-out');
    await createTopic(topic, 1);
    const states: [ConnectionState, EdgeplaneError | undefined][] = [];
    const sink = transport({ topic });
    await sink.open({ role: 'egress', onStateChange: (s, e) => states.push([s, e]) });
    expect(await sink.send?.([{ body: text('a') }])).toEqual({ status: 'ok' });
    await deleteTopic(topic);
    const began = Date.now();
    let result = await sink.send?.([{ body: text('b') }]);
    while (result?.status !== 'failed' && Date.now() - began < 30_000) {
      await new Promise((r) => setTimeout(r, 200));
      result = await sink.send?.([{ body: text('b') }]);
    }
    expect(result?.status).toBe('failed');
    const error = (result as { error: EdgeplaneError }).error;
    expect(error.code).toBe('not-found');
    expect(error.message).toMatch(
      new RegExp(
        `^\\[transport:kafka\\] topic "${topic}" was deleted on the brokers while this lane was producing to it \\(`,
      ),
    );
    expect(states.at(-1)?.[0]).toBe('failed');
    const admin = server.adminClient().admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(topic);
  }, 60_000);
});

describe('lost connections name their cause', () => {
  it('a broker that went away: every failed reconnect is reported, naming the last connection error', async () => {
    const own = await privateKafka();
    try {
      const topic = uniqueName('ep-kafka-down');
      const states: [ConnectionState, EdgeplaneError | undefined][] = [];
      const sink = createKafkaTransport({
        brokers: own.brokers,
        topic,
        retries: 1,
        retryInitialMs: 100,
        retryMaxMs: 200,
        requestTimeoutMs: 2000,
        connectionTimeoutMs: 1000,
        ...FAST,
      });
      opened.push(sink);
      await sink.open({ role: 'egress', onStateChange: (s, e) => states.push([s, e]) });
      expect(await sink.send([{ body: text('a') }])).toEqual({ status: 'ok' });
      await own.kill();
      // a send makes the producer reconnect (its outcome is not awaited: see docs, "not done")
      void sink.send([{ body: text('b') }]);
      const deadline = Date.now() + 15_000;
      const named = () =>
        states.find(([s, e]) => s === 'reconnecting' && /ECONNREFUSED/.test(e?.message ?? ''));
      while (Date.now() < deadline && !named()) await new Promise((r) => setTimeout(r, 100));
      expect(named()?.[1]?.message).toBe(
        `[transport:kafka] lost the connection to the brokers: cannot connect to 127.0.0.1:${own.port} (last error: Connection to 127.0.0.1:${own.port} failed: connect ECONNREFUSED 127.0.0.1:${own.port})`,
      );
    } finally {
      await own.dispose();
    }
  }, 60_000);
});

describe('credentials changed mid-run', () => {
  it('send() fails unauthenticated within seconds, with the server message and the option; receive() throws it; onStateChange reports failed', async () => {
    const topic = uniqueName('ep-kafka-auth');
    await createTopic(topic, 1);
    const sinkStates: [ConnectionState, EdgeplaneError | undefined][] = [];
    const sourceStates: [ConnectionState, EdgeplaneError | undefined][] = [];
    const sink = transport({ topic });
    await sink.open({ role: 'egress', onStateChange: (s, e) => sinkStates.push([s, e]) });
    expect(await sink.send?.([{ body: text('before') }])).toEqual({ status: 'ok' });
    const source = transport({ topic, groupId: topic });
    await source.open({ role: 'ingress', onStateChange: (s, e) => sourceStates.push([s, e]) });
    const iterator = source
      .receive?.({ signal: AbortSignal.timeout(60_000) })
      [Symbol.asyncIterator]();
    const first = await iterator?.next();
    expect(first?.value?.messages.map(body)).toEqual(['before']);
    await first?.value?.ack();

    // the password changes on the broker (a restart with other users): every connection is refused
    await server.stop();
    password = 'alice-2';
    await server.start(kafkaUsersOverride(server, { alice: password }));

    const began = Date.now();
    let result = await sink.send?.([{ body: text('after') }]);
    while (result?.status === 'retryable' && Date.now() - began < 30_000) {
      result = await sink.send?.([{ body: text('after') }]);
    }
    expect(result?.status).toBe('failed');
    const error = (result as { error: EdgeplaneError }).error;
    expect(error.code).toBe('unauthenticated');
    expect(error.message).toMatch(/SASL|[Aa]uthentication/);
    expect(error.hint).toMatch(/saslPassword/);
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(sinkStates.at(-1)?.[0]).toBe('failed');
    expect(sinkStates.at(-1)?.[1]?.code).toBe('unauthenticated');

    const thrown = await iterator?.next().then(
      () => undefined,
      (e: EdgeplaneError) => e,
    );
    expect(thrown?.code).toBe('unauthenticated');
    expect(sourceStates.some(([s, e]) => s === 'failed' && e?.code === 'unauthenticated')).toBe(
      true,
    );
  }, 90_000);
});
