// `check()` (edgeplane doctor) against the shared broker (all ok, a missing topic, nothing written
// or consumed), a closed port, a port that never answers, and a private SASL broker with ACLs and
// auto-creation off (a wrong password, a missing topic, a denied WRITE).
import { createServer, type Server } from 'node:net';
import type { CheckContext, TransportCheck } from '@edgeplane/adapter-loop/transport';
import {
  freePort,
  KAFKA_VERSION,
  type KafkaTestServer,
  type PrivateKafka,
  privateKafka,
} from '@edgeplane/test-servers';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTransport, type KafkaTransportOptions } from '../src/index.js';
import { Created, createTopic, kafkaWithCleanup, produce, testClient } from './support.js';

const created = new Created();
let server: KafkaTestServer;

beforeAll(async () => {
  server = await kafkaWithCleanup(created)();
});
afterAll(async () => {
  await server?.stop();
});

const ctx = (role: CheckContext['role'], timeoutMs = 10_000): CheckContext => ({
  role,
  signal: new AbortController().signal,
  timeoutMs,
});
const byName = (checks: readonly TransportCheck[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c]));
const statuses = (checks: readonly TransportCheck[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c.status]));

async function check(options: KafkaTransportOptions, context: CheckContext) {
  const t = createKafkaTransport(options);
  try {
    const out = await t.check(context);
    if (process.env.SHOW_CHECKS) console.log(JSON.stringify(out, null, 1));
    return out;
  } finally {
    await t.close();
  }
}

/** End offsets of `topic` per partition, committed offsets of `group`, and the group's state. */
async function snapshot(brokers: readonly string[], topic: string, group: string) {
  const admin = testClient(brokers).admin();
  try {
    await admin.connect();
    const ends = (await admin.fetchTopicOffsets(topic)).map((p) => `${p.partition}:${p.high}`);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const offsets = (committed?.partitions ?? []).map((p) => `${p.partition}:${p.offset}`);
    const { groups } = await admin.describeGroups([group]);
    return { ends, offsets, state: groups[0]?.state, members: groups[0]?.members.length };
  } finally {
    await admin.disconnect();
  }
}

describe('kafka check() on the shared broker', () => {
  it('ingress, all ok: broker, version, topic, group offsets and lag; nothing consumed or committed', async () => {
    const topic = created.name('ep-kafka-check');
    await createTopic(server.brokers, topic, 2);
    await produce(server.brokers, topic, ['a', 'b', 'c', 'd'], { partitionOf: (i) => i % 2 });
    const admin = testClient(server.brokers).admin();
    await admin.connect();
    await admin.setOffsets({ groupId: topic, topic, partitions: [{ partition: 0, offset: '1' }] });
    await admin.disconnect();
    const before = await snapshot(server.brokers, topic, topic);

    const checks = await check(
      { brokers: server.brokers, topic, groupId: topic, fromBeginning: true },
      ctx('ingress'),
    );
    expect(checks.map((c) => c.name)).toEqual([
      'reachable',
      'server-version',
      'credentials',
      'topic',
      'consumer-group',
      'permissions',
    ]);
    expect(statuses(checks)).toEqual({
      reachable: 'ok',
      'server-version': 'ok',
      credentials: 'ok',
      topic: 'ok',
      'consumer-group': 'ok',
      permissions: 'ok',
    });
    const c = byName(checks);
    expect(c.reachable?.detail).toMatch(/^127\.0\.0\.1:\d+ answered ApiVersions in [\d.]+ ms$/);
    expect(c.reachable?.durationMs).toBeGreaterThanOrEqual(0);
    expect(c['server-version']?.detail).toBe(
      `Kafka ${KAFKA_VERSION.replace(/\.\d+$/, '')} (metadata.version levels 1-21), tested`,
    );
    expect(c.credentials?.detail).toMatch(
      /^127\.0\.0\.1:\d+ took the connection without credentials \(no SASL configured/,
    );
    expect(c.topic?.detail).toBe(`topic "${topic}" exists (2 partitions)`);
    // partition 0: committed 1 of 2 (lag 1); partition 1: none, fromBeginning → 2
    expect(c['consumer-group']?.detail).toBe(
      `group "${topic}": Empty, 0 members; committed offsets on 1 of 2 partitions (the others start at the oldest message: \`fromBeginning=true\`), lag 3 messages`,
    );
    expect(c.permissions?.detail).toBe(
      `granted READ on topic "${topic}", READ on group "${topic}"`,
    );
    expect(await snapshot(server.brokers, topic, topic)).toEqual(before);
  });

  it('egress, all ok; nothing is written', async () => {
    const topic = created.name('ep-kafka-check');
    await createTopic(server.brokers, topic, 1);
    const before = await snapshot(server.brokers, topic, topic);
    const checks = await check({ brokers: server.brokers, topic }, ctx('egress'));
    expect(statuses(checks)).toEqual({
      reachable: 'ok',
      'server-version': 'ok',
      credentials: 'ok',
      topic: 'ok',
      permissions: 'ok',
    });
    expect(byName(checks).permissions?.detail).toBe(`granted WRITE on topic "${topic}"`);
    expect(await snapshot(server.brokers, topic, topic)).toEqual(before);
  });

  it('a missing topic: warn, created at open by the brokers; doctor itself creates nothing', async () => {
    const topic = created.name('ep-kafka-check-missing');
    const checks = await check({ brokers: server.brokers, topic, groupId: topic }, ctx('ingress'));
    const c = byName(checks);
    expect(c.topic).toMatchObject({
      status: 'warn',
      detail: `topic "${topic}" does not exist: the brokers create it at open (auto.create.topics.enable=true, 1 partition(s))`,
    });
    expect(c.topic?.fix).toMatch(/create the topic/);
    expect(c['consumer-group']).toMatchObject({
      status: 'ok',
      detail: `group "${topic}" does not exist yet (created when the lane joins)`,
    });
    expect(c.permissions?.status).toBe('warn');
    expect(c.permissions?.detail).toContain(
      `READ on topic "${topic}" (the topic does not exist yet)`,
    );
    const admin = testClient(server.brokers).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    expect(topics).not.toContain(topic);
    expect(groups.map((g) => g.groupId)).not.toContain(topic);
  });

  it('a closed port: reachable fails naming `brokers`, the rest is skipped', async () => {
    const port = await freePort();
    const began = performance.now();
    const checks = await check(
      { brokers: `127.0.0.1:${port}`, topic: 'x', groupId: 'g' },
      ctx('ingress'),
    );
    expect(performance.now() - began).toBeLessThan(5000);
    expect(statuses(checks)).toEqual({
      reachable: 'fail',
      'server-version': 'skip',
      credentials: 'skip',
      topic: 'skip',
      'consumer-group': 'skip',
      permissions: 'skip',
    });
    const reachable = byName(checks).reachable;
    expect(reachable?.detail).toMatch(
      new RegExp(
        `^\\[transport:kafka\\] cannot connect to the brokers: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`,
      ),
    );
    expect(reachable?.fix).toMatch(/`brokers`/);
    expect(byName(checks).topic?.detail).toBe('not checked: reachable failed');
  });

  it('doctor interrupted (signal aborted): resolves at once, nothing checked', async () => {
    const controller = new AbortController();
    controller.abort();
    const began = performance.now();
    const checks = await check(
      { brokers: server.brokers, topic: 'x' },
      { role: 'egress', signal: controller.signal, timeoutMs: 10_000 },
    );
    expect(performance.now() - began).toBeLessThan(1000);
    expect(byName(checks).reachable?.detail).toBe(
      '[transport:kafka] cannot connect to the brokers: doctor was interrupted',
    );
    expect(byName(checks).topic?.status).toBe('skip');
  });

  it('a port that never answers: resolves within timeoutMs with a timeout', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const began = performance.now();
      const checks = await check({ brokers: `127.0.0.1:${port}`, topic: 'x' }, ctx('egress', 800));
      expect(performance.now() - began).toBeLessThan(800 + 100);
      expect(byName(checks).reachable).toMatchObject({ status: 'fail' });
      expect(byName(checks).reachable?.detail).toMatch(
        /no answer within doctor's budget of 800 ms/,
      );
    } finally {
      silent.close();
    }
  });
});

describe('kafka check() on a private SASL broker with ACLs, auto-creation off', () => {
  const password = 'alice-check-pw';
  let own: PrivateKafka;
  beforeAll(async () => {
    own = await privateKafka({
      saslUsers: { alice: password },
      acls: true,
      properties: { 'auto.create.topics.enable': 'false' },
    });
  }, 180_000);
  afterAll(async () => {
    await own?.dispose();
  }, 60_000);
  const sasl = (pw: string) =>
    ({ saslMechanism: 'plain', saslUsername: 'alice', saslPassword: pw }) as const;

  it('a wrong password: credentials fail naming `saslPassword`; the password is never shown', async () => {
    const wrong = 'not-alices-password';
    const checks = await check(
      { brokers: own.brokers, topic: 'x', groupId: 'g', ...sasl(wrong) },
      ctx('ingress'),
    );
    expect(statuses(checks)).toEqual({
      reachable: 'ok',
      'server-version': 'ok',
      credentials: 'fail',
      topic: 'skip',
      'consumer-group': 'skip',
      permissions: 'skip',
    });
    const credentials = byName(checks).credentials;
    expect(credentials?.detail).toMatch(
      /^\[transport:kafka\] cannot connect with the credentials: /,
    );
    expect(credentials?.fix).toMatch(/fix `saslPassword`/);
    expect(JSON.stringify(checks)).not.toContain(wrong);
  });

  it('a missing topic the brokers will not create: topic fails', async () => {
    const checks = await check(
      { brokers: own.brokers, topic: 'ep-nope', ...sasl(password) },
      ctx('egress'),
    );
    expect(byName(checks).credentials?.detail).toMatch(
      /^127\.0\.0\.1:\d+ accepted SASL PLAIN as "alice"$/,
    );
    expect(byName(checks).topic).toMatchObject({
      status: 'fail',
      detail:
        'topic "ep-nope" does not exist and the brokers do not create topics (auto.create.topics.enable=false)',
      fix: 'create the topic, or fix `topic` / `topics`',
    });
  });

  it('WRITE denied on the topic: permissions fail naming the user and the operation', async () => {
    const topic = 'ep-kafka-check-acl';
    const admin = own.adminClient().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const acl = (operation: number, permissionType: number) => ({
        resourceType: kafkajs.AclResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: kafkajs.ResourcePatternTypes.LITERAL,
        principal: 'User:alice',
        host: '*',
        operation,
        permissionType,
      });
      await admin.createAcls({
        acl: [
          acl(kafkajs.AclOperationTypes.DESCRIBE, kafkajs.AclPermissionTypes.ALLOW),
          acl(kafkajs.AclOperationTypes.READ, kafkajs.AclPermissionTypes.ALLOW),
          acl(kafkajs.AclOperationTypes.WRITE, kafkajs.AclPermissionTypes.DENY),
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const options = { brokers: own.brokers, topic, ...sasl(password) };
    const egress = byName(await check(options, ctx('egress')));
    expect(egress.topic?.status).toBe('ok');
    expect(egress.permissions).toMatchObject({
      status: 'fail',
      detail: `[transport:kafka] user "alice" lacks WRITE on topic "${topic}"`,
    });
    expect(egress.permissions?.fix).toMatch(/`saslUsername`/);
    const ingress = byName(await check({ ...options, groupId: 'ep-check-g' }, ctx('ingress')));
    expect(ingress.permissions).toMatchObject({
      status: 'ok',
      detail: `granted READ on topic "${topic}", READ on group "ep-check-g"`,
    });
  });
});
