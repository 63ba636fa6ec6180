// `check()` (edgeplane doctor) against the machine's broker (all ok, a missing stream, a wrong
// password, an unknown vhost, nothing published, consumed or stored), a closed port, and a private
// node with a user lacking permissions.
import { createServer, type Server } from 'node:net';
import type { CheckContext, TransportCheck } from '@edgeplane/adapter-loop/transport';
import {
  freePort,
  type PrivateRabbitmq,
  privateRabbitmq,
  type RabbitmqStreamTestServer,
  uniqueName,
} from '@edgeplane/test-servers';
import type { Client } from 'rabbitmq-stream-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locatorConnection, streamClient } from '../src/client.js';
import {
  createRabbitmqStreamsTransport,
  type RabbitmqStreamsTransportOptions,
} from '../src/index.js';
import { broker, deleteStreams } from './support/broker.js';

let server: RabbitmqStreamTestServer;
const streams = new Set<string>();
beforeAll(async () => {
  server = await broker();
});
afterAll(() => deleteStreams(server, streams));

const ctx = (role: CheckContext['role'], timeoutMs = 10_000): CheckContext => ({
  role,
  signal: new AbortController().signal,
  timeoutMs,
});
const byName = (checks: readonly TransportCheck[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c]));
const statuses = (checks: readonly TransportCheck[]) =>
  Object.fromEntries(checks.map((c) => [c.name, c.status]));
const url = (auth = 'guest:guest', vhost = '', port = server.port) =>
  `rabbitmq-stream://${auth}@${server.host}:${port}/${vhost}`;

async function check(options: RabbitmqStreamsTransportOptions, context: CheckContext) {
  const t = createRabbitmqStreamsTransport(options);
  try {
    const out = await t.check(context);
    if (process.env.SHOW_CHECKS) console.log(JSON.stringify(out, null, 1));
    return out;
  } finally {
    await t.close();
  }
}

async function withClient<T>(
  port: number,
  run: (client: Client) => Promise<T>,
  user = 'guest',
  password = 'guest',
): Promise<T> {
  const client = await streamClient().connect({
    hostname: server.host,
    port,
    username: user,
    password,
    vhost: '/',
  });
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}

/** Every message offset of `stream` (read from the first, for up to 1.5 s). */
async function offsets(client: Client, stream: string): Promise<bigint[]> {
  const seen: bigint[] = [];
  const consumer = await client.declareConsumer(
    { stream, offset: streamClient().Offset.first() },
    (m) => {
      if (m.offset !== undefined) seen.push(m.offset);
    },
  );
  await new Promise((r) => setTimeout(r, 1500));
  await client.closeConsumer(consumer.extendedId);
  return seen;
}

const storedOffset = (client: Client, stream: string, reference: string) =>
  client.queryOffset({ stream, reference }).catch(() => undefined);

describe('rabbitmq-streams check() on the machine broker', () => {
  it('ingress and egress all ok; nothing published, consumed or stored', async () => {
    const stream = uniqueName('ep-rs-check');
    streams.add(stream);
    const before = await withClient(server.port, async (client) => {
      await client.createStream({ stream, arguments: {} });
      const publisher = await client.declarePublisher({ stream });
      for (const body of ['a', 'b', 'c']) await publisher.send(Buffer.from(body));
      await locatorConnection(client).storeOffset({ stream, reference: 'reader', offsetValue: 1n });
      for (let i = 0; i < 50 && (await storedOffset(client, stream, 'reader')) !== 1n; i++)
        await new Promise((r) => setTimeout(r, 50));
      await client.deletePublisher(publisher.extendedId);
      return offsets(client, stream);
    });
    expect(before).toHaveLength(3);
    const options = { url: url(), stream, consumerName: 'reader' };
    const ingress = await check(options, ctx('ingress'));
    expect(statuses(ingress)).toEqual({
      reachable: 'ok',
      credentials: 'ok',
      vhost: 'ok',
      'server-version': 'ok',
      stream: 'ok',
      'consumer-offset': 'ok',
      permissions: 'ok',
    });
    const i = byName(ingress);
    expect(i.reachable?.detail).toMatch(/^127\.0\.0\.1:\d+ took the connection in [\d.]+ ms$/);
    expect(i.credentials?.detail).toBe('user "guest" accepted');
    expect(i.vhost?.detail).toBe('vhost "/" opened');
    expect(i['server-version']?.detail).toBe(`RabbitMQ ${server.version}, tested`);
    expect(i.stream?.detail).toMatch(
      new RegExp(`^stream "${stream}" exists \\(leader [^ ]+:\\d+, 0 replicas\\)$`),
    );
    expect(i['consumer-offset']?.detail).toBe('offset 1 stored for "reader": resumes at 2');
    expect(i.permissions?.detail).toBe(
      `granted on stream "${stream}": read (subscribed without credits); write (declared a publisher without reference, then deleted it, needed by the ack on RabbitMQ ${server.version})`,
    );
    const egress = await check(
      { ...options, consumerName: undefined, publisherRef: 'w' },
      ctx('egress'),
    );
    expect(byName(egress).permissions?.status).toBe('ok');
    expect(egress.map((c) => c.name)).not.toContain('consumer-offset');
    const fresh = await check({ ...options, consumerName: 'never-stored' }, ctx('ingress'));
    expect(byName(fresh)['consumer-offset']?.detail).toBe(
      'no offset stored for "never-stored" yet: starts at `offset=first`',
    );
    await withClient(server.port, async (client) => {
      expect(await offsets(client, stream)).toEqual(before);
      expect(await storedOffset(client, stream, 'reader')).toBe(1n);
      expect(await storedOffset(client, stream, 'never-stored')).toBeUndefined();
    });
  });

  it('a missing stream: warn with createStream (nothing created), fail without', async () => {
    const stream = uniqueName('ep-rs-check-missing');
    streams.add(stream);
    const created = byName(await check({ url: url(), stream }, ctx('egress')));
    expect(created.stream).toMatchObject({
      status: 'warn',
      detail: `stream "${stream}" does not exist: it is created at open (\`createStream=true\`)`,
    });
    expect(created.permissions?.status).toBe('warn');
    const strict = await check(
      { url: url(), stream, createStream: false, consumerName: 'c' },
      ctx('ingress'),
    );
    expect(statuses(strict)).toMatchObject({
      stream: 'fail',
      'consumer-offset': 'skip',
      permissions: 'skip',
    });
    expect(byName(strict).stream?.detail).toMatch(
      new RegExp(
        `^\\[transport:rabbitmq-streams\\] cannot open stream "${stream}" \\(127\\.0\\.0\\.1:\\d+\\): stream does not exist \\(response code 2\\)$`,
      ),
    );
    expect(byName(strict).stream?.fix).toBe('create the stream, or set `createStream=true`');
    const [meta] = await withClient(server.port, (client) =>
      client.queryMetadata({ streams: [stream] }),
    );
    expect(meta?.responseCode).toBe(2);
  });

  it('a closed port: reachable fails, the rest is skipped', async () => {
    const port = await freePort();
    const checks = await check({ url: url('guest:guest', '', port), stream: 's' }, ctx('egress'));
    expect(statuses(checks)).toEqual({
      reachable: 'fail',
      credentials: 'skip',
      vhost: 'skip',
      'server-version': 'skip',
      stream: 'skip',
      permissions: 'skip',
    });
    expect(byName(checks).reachable?.detail).toBe(
      `[transport:rabbitmq-streams] cannot connect (127.0.0.1:${port}): connection refused (ECONNREFUSED)`,
    );
    expect(byName(checks).reachable?.fix).toMatch(/rabbitmq_stream plugin on this port/);
  });

  it('a port that never answers: resolves within timeoutMs with a timeout', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const began = performance.now();
      const checks = await check(
        { url: url('guest:guest', '', port), stream: 's' },
        ctx('egress', 800),
      );
      expect(performance.now() - began).toBeLessThan(800 + 100);
      expect(byName(checks).reachable).toMatchObject({
        status: 'fail',
        detail: `[transport:rabbitmq-streams] cannot connect to 127.0.0.1:${port}: no answer within doctor's budget of 800 ms`,
      });
    } finally {
      silent.close();
    }
  });

  it('a wrong password fails credentials (never shown); an unknown vhost fails vhost', async () => {
    const wrong = 'not-the-guest-password';
    const checks = await check({ url: url(`guest:${wrong}`), stream: 's' }, ctx('ingress'));
    expect(statuses(checks)).toMatchObject({
      reachable: 'ok',
      credentials: 'fail',
      vhost: 'skip',
      stream: 'skip',
    });
    expect(byName(checks).credentials?.detail).toMatch(
      /authentication failure \(response code 8\)$/,
    );
    expect(byName(checks).credentials?.fix).toMatch(/check the user and password/);
    expect(JSON.stringify(checks)).not.toContain(wrong);
    const vhost = await check(
      { url: url('guest:guest', 'no-such-vhost'), stream: 's' },
      ctx('egress'),
    );
    expect(statuses(vhost)).toMatchObject({
      reachable: 'ok',
      credentials: 'ok',
      vhost: 'fail',
      stream: 'skip',
    });
    expect(byName(vhost).vhost?.detail).toMatch(
      /virtual host access failure \(response code 12\)$/,
    );
  });
});

describe('rabbitmq-streams check() on a private node: a user without write', () => {
  let node: PrivateRabbitmq;
  const stream = 'ep-rs-check-perm';
  beforeAll(async () => {
    node = await privateRabbitmq();
    await node.ctl(['add_user', 'reader', 'reader-pw']);
    await node.ctl(['set_permissions', '-p', '/', 'reader', '^$', '^$', '.*']);
    await withClient(node.port, (c) => c.createStream({ stream, arguments: {} }));
  }, 180_000);
  afterAll(async () => {
    await node?.dispose();
  }, 60_000);
  const options = () => ({
    url: `rabbitmq-stream://reader:reader-pw@127.0.0.1:${node.port}/`,
    stream,
  });

  it('egress: permissions fail with access refused', async () => {
    const checks = byName(await check(options(), ctx('egress')));
    expect(checks.stream?.status).toBe('ok');
    expect(checks.permissions).toMatchObject({ status: 'fail' });
    expect(checks.permissions?.detail).toMatch(/access refused \(response code 16\)$/);
    expect(checks.permissions?.fix).toMatch(/grant the user configure\/write\/read permissions/);
  });

  it('ingress: read is granted, but StoreOffset (the ack) needs write on this broker: fail', async () => {
    const checks = byName(await check({ ...options(), consumerName: 'c' }, ctx('ingress')));
    expect(checks.permissions).toMatchObject({
      status: 'fail',
      detail: `[transport:rabbitmq-streams] cannot store offsets on stream "${stream}" (127.0.0.1:${node.port}): RabbitMQ 3.10.8 checks write permission on StoreOffset (the ack; read suffices from 3.13), and write is refused (access refused (response code 16))`,
    });
    expect(checks.permissions?.fix).toMatch(/^grant the user write on the stream, or upgrade/);
    // what the check stands for: the broker drops this user's StoreOffset without a word
    const stored = await withClient(
      node.port,
      async (client) => {
        await locatorConnection(client).storeOffset({ stream, reference: 'c', offsetValue: 0n });
        await new Promise((r) => setTimeout(r, 500));
        return storedOffset(client, stream, 'c');
      },
      'reader',
      'reader-pw',
    );
    expect(stored).toBeUndefined();
    // ... while the same store by a user with write is kept
    const control = await withClient(node.port, async (client) => {
      await locatorConnection(client).storeOffset({ stream, reference: 'c', offsetValue: 0n });
      await new Promise((r) => setTimeout(r, 500));
      return storedOffset(client, stream, 'c');
    });
    expect(control).toBe(0n);
  });
});
