import { createServer, type Server, type Socket } from 'node:net';
import type { CheckContext, TransportCheck } from '@edgeplane/adapter-loop/transport';
import {
  createTestPki,
  type DisposablePrivateServer,
  freePort,
  privateRedis,
  privateRedisTls,
  redisServer,
  uniqueName,
} from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStreamsTransport, type RedisStreamsTransportOptions } from '../src/index.js';
import { TestRedis } from './support/cli.js';

// doctor's checks against the machine's Redis, a private one with ACL users, a closed port and a
// port that never answers. Every check only reads: lengths, pending counts and groups are
// compared before and after.
let url = '';
let redis: TestRedis;

async function check(
  options: RedisStreamsTransportOptions,
  role: CheckContext['role'] = 'egress',
  timeoutMs = 5000,
): Promise<Record<string, TransportCheck>> {
  const t = createRedisStreamsTransport(options);
  const list = await t.check({ role, signal: new AbortController().signal, timeoutMs });
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

const statuses = (r: Record<string, TransportCheck>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.status]));

beforeAll(async () => {
  url = (await redisServer()()).url;
  redis = await TestRedis.connect(url);
});
afterAll(async () => {
  await redis?.cleanup();
});

describe('redis-streams check() against the machine Redis', () => {
  it('all ok for an ingress, and nothing is read through the group or acknowledged', async () => {
    const stream = redis.track(uniqueName('ep-rs-check'));
    await redis.fill(stream, ['a', 'b', 'c', 'd']);
    await redis.client.xgroup('CREATE', stream, 'g', '0');
    await redis.client.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 1, 'STREAMS', stream, '>');
    const before = await redis.backlog(stream, 'g');
    const r = await check({ url, stream, group: 'g', createGroup: false }, 'ingress');
    expect(Object.keys(r)).toEqual([
      'reachable',
      'credentials',
      'stream',
      'consumer-group',
      'permissions',
      'server-version',
    ]);
    expect(statuses(r)).toMatchObject({
      reachable: 'ok',
      credentials: 'ok',
      stream: 'ok',
      'consumer-group': 'ok',
      permissions: 'skip',
      'server-version': 'ok',
    });
    expect(r.reachable?.detail).toMatch(
      /^127\.0\.0\.1:6379 answered PING in [0-9.]+ ms \(connected in [0-9.]+ ms\)$/,
    );
    expect(r.stream?.detail).toBe(`stream "${stream}" exists (length 4)`);
    expect(r['consumer-group']?.detail).toBe('group "g" exists (consumers 1, pending 1, lag 4)');
    expect(r.permissions?.detail).toBe(
      'not checked: no ACL user is configured (`username`): the `default` user may run every command unless the server restricts it',
    );
    expect(r['server-version']?.detail).toBe('Redis 7.0.15 (tested: 7.0.x)');
    expect(await redis.backlog(stream, 'g')).toEqual(before);
    expect(await redis.client.xlen(stream)).toBe(4);
    const consumers = (await redis.client.xinfo('CONSUMERS', stream, 'g')) as unknown[];
    expect(consumers).toHaveLength(1);
  });

  it('a missing stream: an egress warns (XADD creates it); nothing is created', async () => {
    const stream = redis.track(uniqueName('ep-rs-check'));
    const egress = await check({ url, stream });
    expect(egress.stream).toMatchObject({
      status: 'warn',
      detail: `stream "${stream}" does not exist: the first XADD creates it`,
    });
    const ingress = await check({ url, stream }, 'ingress');
    expect(statuses(ingress)).toMatchObject({ stream: 'warn', 'consumer-group': 'warn' });
    expect(ingress['consumer-group']?.detail).toBe(
      'group "edgeplane" does not exist: `createGroup=true` creates it at `startId` 0 on the first open',
    );
    expect(await redis.client.exists(stream)).toBe(0);
  });

  it('createGroup=false: a missing stream or group fails with the fix; a key of another type fails', async () => {
    const stream = redis.track(uniqueName('ep-rs-check'));
    const none = await check({ url, stream, createGroup: false }, 'ingress');
    expect(none.stream).toEqual({
      name: 'stream',
      status: 'fail',
      detail: `[transport:redis-streams] stream "${stream}" does not exist (\`createGroup\` is false)`,
      fix: `create it (\`XGROUP CREATE ${stream} edgeplane 0 MKSTREAM\`) or set \`createGroup=true\``,
      durationMs: expect.any(Number),
    });
    expect(none['consumer-group']?.detail).toBe('not checked: `stream` failed');
    await redis.fill(stream, ['x']);
    const noGroup = await check({ url, stream, createGroup: false }, 'ingress');
    expect(noGroup['consumer-group']).toMatchObject({
      status: 'fail',
      detail: `[transport:redis-streams] stream "${stream}" has no group "edgeplane" (\`createGroup\` is false)`,
    });
    const hash = redis.track(uniqueName('ep-rs-check'));
    await redis.client.hset(hash, 'f', 'v');
    const wrong = await check({ url, stream: hash });
    expect(wrong.stream).toMatchObject({
      status: 'fail',
      fix: 'point `stream` at a stream key',
    });
    expect(wrong.stream?.detail).toContain('the key holds a value that is not a stream (WRONGTYPE');
  });
});

describe('redis-streams check() when the server is not there', () => {
  it('a closed port fails reachable with the fix; the rest are skipped', async () => {
    const port = await freePort();
    const r = await check({ url: `redis://127.0.0.1:${port}`, stream: 's' });
    expect(r.reachable).toMatchObject({
      status: 'fail',
      detail: `[transport:redis-streams] cannot connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
      fix: 'start Redis there, or fix `url`',
    });
    for (const name of ['credentials', 'stream', 'permissions', 'server-version'])
      expect(r[name]).toEqual({ name, status: 'skip', detail: 'not checked: `reachable` failed' });
  });

  it('a server that never answers: resolves within timeoutMs, reachable fails', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const t0 = performance.now();
      const r = await check({ url: `redis://127.0.0.1:${port}`, stream: 's' }, 'egress', 600);
      expect(performance.now() - t0).toBeLessThan(600);
      expect(r.reachable).toMatchObject({
        status: 'fail',
        detail: `[transport:redis-streams] cannot connect to 127.0.0.1:${port}: no answer within the check's 600 ms`,
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('redis-streams check() against a private Redis with ACL users', () => {
  let own: DisposablePrivateServer;
  let ownUrl = '';
  const stream = 'ep-orders';
  beforeAll(async () => {
    own = await privateRedis({
      args: [
        ...['--requirepass', 'admin-s3cret'],
        ...['--user', 'full', 'on', '>full-s3cret', '~*', '&*', '+@all'],
        ...['--user', 'limited', 'on', '>limited-s3cret', '~*', '&*', '+@all', '-xadd', '-xack'],
        ...['--user', 'app', 'on', '>app-s3cret', '~ep-*', '+@stream', '+@connection', '+info'],
      ],
    });
    ownUrl = own.url;
    const admin = await TestRedis.connect(`redis://:admin-s3cret@127.0.0.1:${own.port}`);
    await admin.client.xadd(stream, '*', 'body', 'x');
    await admin.client.xgroup('CREATE', stream, 'edgeplane', '0');
    await admin.cleanup();
  });
  afterAll(async () => {
    await own?.dispose();
  });

  it('an ACL user with the commands it needs: all ok (ACL DRYRUN)', async () => {
    const r = await check(
      { url: ownUrl, stream, username: 'full', password: 'full-s3cret' },
      'ingress',
    );
    expect(Object.values(r).every((c) => c.status === 'ok')).toBe(true);
    expect(r.credentials?.detail).toBe('ACL user `full` accepted');
    expect(r.permissions?.detail).toBe(
      `ACL user \`full\` may run XREADGROUP, XACK, XPENDING, XINFO GROUPS, XINFO STREAM, XAUTOCLAIM, XGROUP CREATE on stream "${stream}" (ACL DRYRUN)`,
    );
  });

  it('a wrong password fails credentials naming the options, never the password', async () => {
    const r = await check({ url: ownUrl, stream, username: 'full', password: 'not-the-password' });
    expect(r.reachable?.status).toBe('ok');
    expect(r.credentials).toMatchObject({
      status: 'fail',
      detail: `[transport:redis-streams] cannot connect to 127.0.0.1:${own.port}: invalid user name or password (WRONGPASS: invalid username-password pair or user is disabled.)`,
      fix: `check \`username\` and \`password\` (or the credentials in \`url\`) for 127.0.0.1:${own.port}`,
    });
    expect(r.stream?.detail).toBe('not checked: `credentials` failed');
    expect(JSON.stringify(r)).not.toContain('not-the-password');
    const none = await check({ url: ownUrl, stream });
    expect(none.credentials?.fix).toContain('set `password`');
  });

  it('an ACL user denied XADD / XACK fails permissions with the grant to give', async () => {
    const user = { url: ownUrl, stream, username: 'limited', password: 'limited-s3cret' };
    const egress = await check(user);
    expect(egress.permissions).toEqual({
      name: 'permissions',
      status: 'fail',
      detail: `[transport:redis-streams] ACL user \`limited\` may not run what this role needs on 127.0.0.1:${own.port}: XADD (This user has no permissions to run the 'xadd' command)`,
      fix: `grant them and the stream key, e.g. \`ACL SETUSER limited +xadd ~${stream}\`, or fix \`username\``,
      durationMs: expect.any(Number),
    });
    const ingress = await check(user, 'ingress');
    expect(ingress.permissions?.detail).toContain(': XACK (');
    expect(ingress['consumer-group']?.status).toBe('ok');
  });

  it('a user that may not run ACL DRYRUN: permissions skipped, saying how to check', async () => {
    const r = await check({ url: ownUrl, stream, username: 'app', password: 'app-s3cret' });
    expect(r.stream?.detail).toBe(`stream "${stream}" exists (length 1)`);
    expect(r.permissions?.status).toBe('skip');
    expect(r.permissions?.detail).toBe(
      `not checked: ACL user \`app\` may not run ACL DRYRUN (an admin command): check the commands as an admin, e.g. \`ACL DRYRUN app XADD ${stream} * body x\``,
    );
    // a key outside the user's patterns: an ingress cannot read it; a sink needs only XADD
    const app = { url: ownUrl, stream: 'other', username: 'app', password: 'app-s3cret' };
    const other = await check(app, 'ingress');
    expect(other.stream?.status).toBe('fail');
    expect(other.stream?.fix).toBe('grant the user `+@stream` and the stream key (`~<stream>`)');
    expect(other['consumer-group']?.status).toBe('skip');
    expect((await check(app)).stream?.detail).toBe(
      'not checked: the ACL user may not read stream "other" (NOPERM); a sink needs XADD only (see `permissions`)',
    );
  });
});

describe('redis-streams check() over TLS (a private Redis with mutual TLS)', () => {
  it('ok with the CA and a client certificate; an unknown CA fails tls, the server answered', async () => {
    const pki = await createTestPki();
    const own = await privateRedisTls({ pki, password: 'tls-s3cret' });
    try {
      const options = {
        url: own.tlsUrl,
        stream: 'ep-tls',
        username: own.user,
        password: own.password,
        tlsCertFile: pki.client.cert,
        tlsKeyFile: pki.client.key,
      };
      const ok = await check({ ...options, tlsCaFile: pki.ca });
      expect(statuses(ok)).toMatchObject({ reachable: 'ok', tls: 'ok', credentials: 'ok' });
      expect(ok.tls?.detail).toBe(
        'TLS on: server certificate verified, client certificate accepted',
      );
      const unknownCa = await check(options);
      expect(unknownCa.reachable?.status).toBe('ok');
      expect(unknownCa.tls?.status).toBe('fail');
      expect(unknownCa.tls?.detail).toContain('option "tlsCaFile"');
      expect(unknownCa.credentials?.detail).toBe('not checked: `tls` failed');
    } finally {
      await own.server.dispose();
    }
  }, 60_000);
});
