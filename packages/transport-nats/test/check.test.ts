import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckContext, TransportCheck } from '@edgeplane/adapter-loop/transport';
import {
  createTestPki,
  type DisposablePrivateServer,
  freePort,
  natsServer,
  privateNats,
  privateNatsTls,
  uniqueName,
} from '@edgeplane/test-servers';
import { AckPolicy, connect, type JetStreamManager } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNatsTransport, type NatsTransportOptions } from '../src/index.js';
import { deleteStreams, seed } from './support.js';

// doctor's checks against the machine's nats-server, a private one with accounts and users, a
// closed port and a port that never answers. Every check only reads.
let url = '';
const streams = new Set<string>();
const stream = () => {
  const name = uniqueName('ep-nats-check');
  streams.add(name);
  return name;
};

async function check(
  options: NatsTransportOptions,
  role: CheckContext['role'] = 'egress',
  timeoutMs = 5000,
): Promise<Record<string, TransportCheck>> {
  const t = createNatsTransport(options);
  const signal = new AbortController().signal;
  const list = await t.check({ role, signal, timeoutMs });
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

const statuses = (r: Record<string, TransportCheck>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.status]));

async function withJsm<T>(
  server: string,
  fn: (jsm: JetStreamManager) => Promise<T>,
  auth: { user?: string; pass?: string } = {},
): Promise<T> {
  const nc = await connect({ servers: server, ...auth });
  try {
    return await fn(await nc.jetstreamManager());
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  url = (await natsServer()()).url;
});
afterAll(async () => {
  await deleteStreams(url, streams);
});

describe('nats check() against the machine server', () => {
  it('all ok for an ingress, and nothing is pulled or acknowledged', async () => {
    const s = stream();
    await seed(url, s, `${s}.in`, ['a', 'b', 'c']);
    await withJsm(url, (jsm) =>
      jsm.consumers.add(s, { durable_name: 'd', ack_policy: AckPolicy.Explicit }),
    );
    const before = await withJsm(url, (jsm) => jsm.consumers.info(s, 'd'));
    const r = await check({ servers: url, stream: s, subject: `${s}.in`, durable: 'd' }, 'ingress');
    expect(statuses(r)).toEqual({
      reachable: 'ok',
      credentials: 'ok',
      jetstream: 'ok',
      stream: 'ok',
      subject: 'ok',
      consumer: 'ok',
      'server-version': 'ok',
    });
    expect(Object.keys(r)).toEqual([
      'reachable',
      'credentials',
      'jetstream',
      'stream',
      'subject',
      'consumer',
      'server-version',
    ]);
    expect(r.reachable?.detail).toMatch(/^connected to 127\.0\.0\.1:4222 in [0-9.]+ ms$/);
    expect(r.reachable?.durationMs).toBeGreaterThan(0);
    expect(r.credentials?.detail).toBe('none configured, and the server asks for none');
    expect(r.stream?.detail).toBe(`stream ${s} exists (3 messages)`);
    expect(r.subject?.detail).toBe(`stream ${s} takes subject ${s}.in (its subjects: ${s}.in)`);
    expect(r.consumer?.detail).toBe(
      'durable d exists: 3 not yet delivered, 0 unacknowledged (lag 3)',
    );
    expect(r['server-version']?.detail).toBe('nats-server 2.9.10 (tested: 2.9.x)');
    const after = await withJsm(url, (jsm) => jsm.consumers.info(s, 'd'));
    expect(after.delivered).toEqual(before.delivered);
    expect(after.ack_floor).toEqual(before.ack_floor);
    expect(after.num_pending).toBe(3);
    expect((await withJsm(url, (jsm) => jsm.streams.info(s))).state.messages).toBe(3);
  });

  it('a missing stream fails naming `createStream`; subject and consumer are skipped', async () => {
    const s = stream();
    const r = await check({ servers: url, stream: s, subject: s, durable: 'd' }, 'ingress');
    expect(r.stream).toEqual({
      name: 'stream',
      status: 'fail',
      detail: `[transport:nats] cannot use stream ${s}: stream not found (10059)`,
      fix: 'create the stream, or set `createStream=true`',
    });
    expect(r.subject).toEqual({
      name: 'subject',
      status: 'skip',
      detail: 'not checked: `stream` failed',
    });
    expect(r.consumer?.status).toBe('skip');
    expect(r.jetstream?.status).toBe('ok');
  });

  it('createStream / createConsumer: warn that they will be created, and create nothing', async () => {
    const s = stream();
    const options = { servers: url, stream: s, subject: `${s}.x`, durable: 'd' };
    const r = await check({ ...options, createStream: true, createConsumer: true }, 'ingress');
    expect(statuses(r)).toMatchObject({ stream: 'warn', subject: 'ok', consumer: 'warn' });
    expect(r.stream?.detail).toBe(
      `stream ${s} does not exist: \`createStream=true\` creates it on the first open`,
    );
    expect(r.consumer?.detail).toBe(
      'durable d does not exist: `createConsumer=true` creates it on the first open (deliverPolicy=all)',
    );
    const gone = await withJsm(url, (jsm) =>
      jsm.streams.info(s).then(
        () => 'there',
        () => 'gone',
      ),
    );
    expect(gone).toBe('gone');
    // created without the consumer: the first open would fail, so the check fails now
    const r2 = await check({ ...options, createStream: true }, 'ingress');
    expect(r2.consumer?.status).toBe('fail');
    expect(r2.consumer?.fix).toBe('create the durable consumer, or set `createConsumer=true`');
    // streamSubjects that do not take `subject`
    const r3 = await check({ ...options, createStream: true, streamSubjects: 'other.>' });
    expect(r3.subject?.status).toBe('fail');
    expect(r3.subject?.fix).toBe(`add ${s}.x to \`streamSubjects\`, or fix \`subject\``);
  });

  it('a subject the stream does not take, a missing durable, a durable with another filter', async () => {
    const s = stream();
    await seed(url, s, `${s}.in`, ['a']);
    const egress = await check({ servers: url, stream: s, subject: `${s}.out` });
    expect(egress.subject).toMatchObject({
      status: 'fail',
      detail: `[transport:nats] stream ${s} does not take subject ${s}.out (its subjects: ${s}.in)`,
    });
    const missing = await check(
      { servers: url, stream: s, subject: `${s}.in`, durable: 'nope' },
      'ingress',
    );
    expect(missing.consumer).toMatchObject({
      status: 'fail',
      detail: `[transport:nats] cannot use consumer nope of stream ${s}: consumer not found (10014)`,
    });
    await withJsm(url, (jsm) =>
      jsm.consumers.add(s, {
        durable_name: 'f',
        ack_policy: AckPolicy.Explicit,
        filter_subject: `${s}.in`,
      }),
    );
    const other = await check(
      { servers: url, stream: s, subject: `${s}.*`, durable: 'f' },
      'ingress',
    );
    expect(other.consumer?.status).toBe('warn');
    expect(other.consumer?.detail).toContain(`but filters ${s}.in, not \`subject\` ${s}.*`);
  });
});

describe('nats check() when the server is not there', () => {
  it('a closed port fails reachable with the fix; the rest are skipped', async () => {
    const port = await freePort();
    const r = await check({ servers: `nats://127.0.0.1:${port}`, stream: 's', subject: 's' });
    expect(r.reachable).toMatchObject({
      status: 'fail',
      detail: `[transport:nats] cannot connect to nats://127.0.0.1:${port}: connection refused (CONNECTION_REFUSED)`,
      fix: 'start the NATS server or fix `servers`',
    });
    for (const name of ['credentials', 'jetstream', 'stream', 'subject', 'server-version'])
      expect(r[name]).toEqual({ name, status: 'skip', detail: 'not checked: `reachable` failed' });
  });

  it('a server that never answers: resolves within timeoutMs, reachable fails with timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const t0 = performance.now();
      const r = await check(
        { servers: `nats://127.0.0.1:${port}`, stream: 's', subject: 's' },
        'egress',
        600,
      );
      expect(performance.now() - t0).toBeLessThan(600);
      expect(r.reachable).toMatchObject({
        status: 'fail',
        detail: `[transport:nats] cannot connect to nats://127.0.0.1:${port}: no answer within the check's 600 ms`,
      });
      expect(r.stream?.status).toBe('skip');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('nats check() against a private server with accounts and users', () => {
  let own: DisposablePrivateServer;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ep-nats-check-'));
    const conf = join(dir, 'auth.conf');
    writeFileSync(
      conf,
      'accounts {\n' +
        '  JS: { jetstream: enabled, users: [\n' +
        '    { user: admin, password: s3cret-admin }\n' +
        '    { user: app, password: s3cret-app, permissions: { publish: { deny: ["$JS.API.STREAM.INFO.>"] } } }\n' +
        '  ] }\n' +
        '  PLAIN: { users: [ { user: plain, password: s3cret-plain } ] }\n' +
        '}\n',
    );
    own = await privateNats({ args: ['-c', conf] });
    await withJsm(own.url, (jsm) => jsm.streams.add({ name: 'AUTH', subjects: ['auth.>'] }), {
      user: 'admin',
      pass: 's3cret-admin',
    });
  });
  afterAll(async () => {
    await own?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => ({ servers: own.url, stream: 'AUTH', subject: 'auth.x' });

  it('the right password: all ok; a wrong one fails credentials naming the options, never the password', async () => {
    const ok = await check({ ...base(), user: 'admin', password: 's3cret-admin' });
    expect(Object.values(ok).every((c) => c.status === 'ok')).toBe(true);
    expect(ok.credentials?.detail).toBe('user `admin` accepted');
    const wrong = await check({ ...base(), user: 'admin', password: 'not-the-password' });
    expect(wrong.reachable?.status).toBe('ok');
    expect(wrong.credentials).toMatchObject({
      status: 'fail',
      detail: `[transport:nats] cannot connect to nats://127.0.0.1:${own.port}: authorization violation (AUTHORIZATION_VIOLATION: 'Authorization Violation')`,
      fix: `check \`user\`/\`password\`, \`token\`, \`credsFile\`, \`nkeySeedFile\` (or the credentials inside the \`servers\` URL) for nats://127.0.0.1:${own.port}`,
    });
    expect(wrong.jetstream?.detail).toBe('not checked: `credentials` failed');
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
  });

  it('an account without JetStream fails jetstream', async () => {
    const r = await check({ ...base(), user: 'plain', password: 's3cret-plain' });
    expect(r.jetstream).toMatchObject({
      status: 'fail',
      fix: 'start nats-server with -js (or `jetstream {}` in its config) and enable JetStream for the account, or set `mode=core`',
    });
    expect(r.stream?.status).toBe('skip');
  });

  it('a user denied the stream API fails stream with the permissions violation', async () => {
    const r = await check({ ...base(), user: 'app', password: 's3cret-app' });
    expect(r.jetstream?.status).toBe('ok');
    expect(r.stream).toMatchObject({
      status: 'fail',
      detail: `[transport:nats] the server nats://127.0.0.1:${own.port} refused: permissions violation (PERMISSIONS_VIOLATION: Permissions Violation for Publish to "$JS.API.STREAM.INFO.AUTH")`,
    });
  });
});

describe('nats check() over TLS (a private server with mutual TLS)', () => {
  it('ok with the CA and a client certificate; an unknown CA fails tls, the server answered', async () => {
    const pki = await createTestPki();
    const own = await privateNatsTls({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca });
    try {
      const options = { servers: own.url, tls: true, mode: 'core' as const, subject: 'tls.x' };
      const client = { tlsCertFile: pki.client.cert, tlsKeyFile: pki.client.key };
      const ok = await check({ ...options, ...client, tlsCaFile: pki.ca });
      expect(statuses(ok)).toEqual({
        reachable: 'ok',
        tls: 'ok',
        credentials: 'ok',
        'server-version': 'ok',
      });
      expect(ok.tls?.detail).toBe(
        'TLS on: server certificate verified, client certificate accepted',
      );
      const unknownCa = await check({ ...options, ...client });
      expect(unknownCa.reachable?.status).toBe('ok');
      expect(unknownCa.tls?.status).toBe('fail');
      expect(unknownCa.tls?.detail).toContain('option "tlsCaFile"');
      expect(unknownCa.credentials?.detail).toBe('not checked: `tls` failed');
    } finally {
      await own.dispose();
    }
  }, 60_000);
});
