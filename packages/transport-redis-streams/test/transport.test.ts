import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ConnectionState,
  EdgeplaneError,
  InboundBatch,
  Transport,
} from '@edgeplane/adapter-loop/transport';
import {
  type DisposablePrivateServer as PrivateRedis,
  privateRedis,
  redisServer,
  uniqueName,
} from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMER_FILE, createRedisStreamsTransport } from '../src/index.js';
import { TestRedis, until } from './support/cli.js';

const PASSWORD = 'pw-Zk93-secret';
let url: string;
let redis: TestRedis;
let locked: PrivateRedis;
const opened: Transport[] = [];
const dirs: string[] = [];

const track = <T extends Transport>(t: T): T => {
  opened.push(t);
  return t;
};
const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ep-rs-state-'));
  dirs.push(d);
  return d;
};
const failure = (p: Promise<unknown>): Promise<EdgeplaneError> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: EdgeplaneError) => e,
  );

/** The first batch of a receive() that is then left running (ended by close()). */
async function firstBatch(t: Transport): Promise<InboundBatch> {
  const it = t.receive?.({ signal: new AbortController().signal })[Symbol.asyncIterator]();
  const next = await it?.next();
  if (!next || next.done) throw new Error('receive() ended');
  return next.value;
}

beforeAll(async () => {
  url = (await redisServer()()).url;
  redis = await TestRedis.connect(url);
  locked = await privateRedis({ args: ['--requirepass', PASSWORD] });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  await redis?.cleanup();
  await locked?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('against the machine Redis', () => {
  it('createGroup=false and no group: open() as a source is not-found', async () => {
    const stream = redis.track(uniqueName('ep-rs-nogroup'));
    const t = track(createRedisStreamsTransport({ url, stream, createGroup: false }));
    const e = await failure(t.open({ role: 'ingress' }));
    expect(e.code).toBe('not-found');
    expect(e.message).toContain(`stream "${stream}" does not exist`);
    await redis.client.xadd(stream, '*', 'body', 'x');
    const t2 = track(createRedisStreamsTransport({ url, stream, createGroup: false }));
    expect((await failure(t2.open({ role: 'ingress' }))).message).toContain(
      'has no group "edgeplane"',
    );
  });

  it('the key holds another type: invalid-config', async () => {
    const key = redis.track(uniqueName('ep-rs-string'));
    await redis.client.set(key, 'not a stream');
    const e = await failure(
      track(createRedisStreamsTransport({ url, stream: key })).open({ role: 'ingress' }),
    );
    expect(e.code).toBe('invalid-config');
    expect(e.message).toContain('WRONGTYPE');
    const sink = track(createRedisStreamsTransport({ url, stream: key }));
    await sink.open({ role: 'egress' });
    const result = await sink.send?.([{ body: Buffer.from('x') }]);
    expect(result?.status).toBe('failed');
  });

  it('keeps a generated consumer name in the state dir; without one, host-pid-random', async () => {
    const stream = redis.track(uniqueName('ep-rs-consumer'));
    const dir = stateDir();
    const a = track(createRedisStreamsTransport({ url, stream }));
    await a.open({ role: 'ingress', stateDir: dir });
    const b = track(createRedisStreamsTransport({ url, stream }));
    await b.open({ role: 'ingress', stateDir: dir });
    expect(a.consumer).toBe(b.consumer);
    expect(readFileSync(join(dir, CONSUMER_FILE), 'utf8').trim()).toBe(a.consumer);
    const c = track(createRedisStreamsTransport({ url, stream }));
    await c.open({ role: 'ingress' });
    expect(c.consumer).toMatch(new RegExp(`-${process.pid}-[a-z0-9]{6}$`));
    expect(c.consumer).not.toBe(a.consumer);
  });

  it('lag() counts the entries not yet processed: undelivered plus delivered and not acked', async () => {
    const stream = redis.track(uniqueName('ep-rs-lag'));
    await redis.fill(
      stream,
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
    const t = track(createRedisStreamsTransport({ url, stream, batchMaxMessages: 20 }));
    await t.open({ role: 'ingress' });
    expect(await t.lag()).toEqual({ lag: 50 });
    const batch = await firstBatch(t);
    expect(batch.messages).toHaveLength(20);
    expect(await t.lag()).toEqual({ lag: 50 }); // 30 undelivered + 20 pending
    await batch.ack(5);
    expect(await t.lag()).toEqual({ lag: 45 });
  });

  it('startId=$ leaves older entries out', async () => {
    const stream = redis.track(uniqueName('ep-rs-dollar'));
    await redis.fill(stream, ['old']);
    const t = track(createRedisStreamsTransport({ url, stream, startId: '$' }));
    await t.open({ role: 'ingress' });
    await redis.fill(stream, ['new']);
    const batch = await firstBatch(t);
    expect(batch.messages.map((m) => Buffer.from(m.body).toString())).toEqual(['new']);
  });

  it('pending entries deleted meanwhile are skipped and acknowledged away on redelivery', async () => {
    const stream = redis.track(uniqueName('ep-rs-deleted'));
    await redis.fill(stream, ['a', 'b', 'c', 'd', 'e']);
    const dir = stateDir();
    const first = track(createRedisStreamsTransport({ url, stream }));
    await first.open({ role: 'ingress', stateDir: dir });
    const batch = await firstBatch(first);
    await first.close();
    await redis.client.xdel(stream, batch.messages[1]?.id ?? '', batch.messages[3]?.id ?? '');
    const again = track(createRedisStreamsTransport({ url, stream }));
    await again.open({ role: 'ingress', stateDir: dir });
    const redelivered = await firstBatch(again);
    expect(redelivered.messages.map((m) => Buffer.from(m.body).toString())).toEqual([
      'a',
      'c',
      'e',
    ]);
    await until(
      'the deleted ones acknowledged',
      async () => (await redis.backlog(stream, 'edgeplane')).pending === 3,
    );
  });

  it('maxLen trims the stream (approximately)', async () => {
    const stream = redis.track(uniqueName('ep-rs-maxlen'));
    const sink = track(createRedisStreamsTransport({ url, stream, maxLen: 100 }));
    await sink.open({ role: 'egress' });
    for (let i = 0; i < 10; i++) {
      const r = await sink.send(Array.from({ length: 500 }, () => ({ body: Buffer.from('x') })));
      expect(r.status).toBe('ok');
    }
    expect(await redis.client.xlen(stream)).toBeLessThan(1000);
  });

  it('an unreachable server: unavailable, and the URL password is never shown', async () => {
    const t = track(
      createRedisStreamsTransport({
        url: `redis://user:${PASSWORD}@127.0.0.1:1`,
        stream: 's',
        connectTimeoutMs: 1000,
      }),
    );
    const e = await failure(t.open({ role: 'egress' }));
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe(
      '[transport:redis-streams] cannot connect to 127.0.0.1:1: connection refused (ECONNREFUSED)',
    );
    expect(JSON.stringify({ message: e.message, details: e.details, hint: e.hint })).not.toContain(
      PASSWORD,
    );
  });
});

describe('against a Redis with a password', () => {
  it('password required: unauthenticated', async () => {
    const e = await failure(
      track(createRedisStreamsTransport({ url: locked.url, stream: 's' })).open(),
    );
    expect(e.code).toBe('unauthenticated');
    expect(e.message).toContain('NOAUTH');
  });

  it('wrong password: unauthenticated, and the password is not in the error', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const e = await failure(
      track(createRedisStreamsTransport({ url: locked.url, stream: 's', password: wrong })).open(),
    );
    expect(e.code).toBe('unauthenticated');
    expect(e.message).toContain('WRONGPASS');
    expect(`${e.message} ${e.hint}`).not.toContain(wrong);
  });

  it('ACL user without stream commands: permission-denied', async () => {
    const admin = await TestRedis.connect(`redis://:${PASSWORD}@127.0.0.1:${locked.port}`);
    await admin.client.call(
      'ACL',
      'SETUSER',
      'nostreams',
      'on',
      '>np-pass',
      '~*',
      '+@all',
      '-@stream',
    );
    admin.client.disconnect();
    const t = track(
      createRedisStreamsTransport({
        url: locked.url,
        username: 'nostreams',
        password: 'np-pass',
        stream: 's',
      }),
    );
    await t.open({ role: 'egress' });
    const r = await t.send([{ body: Buffer.from('x') }]);
    expect(r.status).toBe('failed');
    if (r.status === 'failed') {
      expect(r.error.code).toBe('permission-denied');
      expect(r.error.hint).toContain('+@stream');
    }
  });

  it('server restart: reconnecting (with the error), sends retryable meanwhile, acks held, then ready', async () => {
    const states = {
      sink: [] as [ConnectionState, string | undefined][],
      source: [] as [ConnectionState, string | undefined][],
    };
    const listener =
      (list: [ConnectionState, string | undefined][]) => (s: ConnectionState, e?: EdgeplaneError) =>
        list.push([s, e?.code]);
    const options = { url: locked.url, password: PASSWORD, stream: 'restart' };
    const sink = track(createRedisStreamsTransport(options));
    const source = track(createRedisStreamsTransport(options));
    await sink.open({ role: 'egress', onStateChange: listener(states.sink) });
    await source.open({
      role: 'ingress',
      onStateChange: listener(states.source),
      stateDir: stateDir(),
    });
    expect((await sink.send([{ body: Buffer.from('before') }])).status).toBe('ok');
    const batch = await firstBatch(source);
    await locked.stop();
    await until('reconnecting', () => states.sink.some(([s]) => s === 'reconnecting'));
    const down = await sink.send([{ body: Buffer.from('during') }]);
    expect(down.status).toBe('retryable');
    if (down.status === 'retryable') expect(down.error.code).toBe('unavailable');
    let acked = false;
    const ack = batch.ack().then(() => {
      acked = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(acked).toBe(false); // held while the server is away
    await locked.start();
    await ack;
    for (const list of [states.sink, states.source]) {
      await until('ready again', () => list.at(-1)?.[0] === 'ready', 10_000);
      expect(list.find(([s]) => s === 'reconnecting')?.[1]).toBe('unavailable');
    }
    expect((await sink.send([{ body: Buffer.from('after') }])).status).toBe('ok');
    const admin = await TestRedis.connect(`redis://:${PASSWORD}@127.0.0.1:${locked.port}`);
    const pending = await admin.backlog('restart', 'edgeplane');
    admin.client.disconnect();
    expect(pending.pending).toBe(0); // the held ack reached the server after the restart
  });
});

describe('open() with a signal', () => {
  it('an aborted signal cancels open(), also while it waits for a server that never answers', async () => {
    const t = track(createRedisStreamsTransport({ url: 'redis://127.0.0.1:1', stream: 's' }));
    expect((await failure(t.open({ signal: AbortSignal.abort() }))).code).toBe('cancelled');
    const silent = createServer(() => {}); // accepts, never answers the handshake
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as AddressInfo;
    try {
      const hanging = track(
        createRedisStreamsTransport({ url: `redis://127.0.0.1:${port}`, stream: 's' }),
      );
      const t0 = performance.now();
      const e = await failure(hanging.open({ signal: AbortSignal.timeout(200) }));
      expect(e.code).toBe('cancelled');
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      silent.close();
    }
  });
});

describe('against a Redis that keeps nothing across a restart', () => {
  it('the lost group is created again and new entries flow; an ack of a lost entry is a no-op', async () => {
    const volatile = await privateRedis({ args: ['--appendonly', 'no'] });
    try {
      const options = { url: volatile.url, stream: 'volatile', blockMs: 100 };
      const sink = track(createRedisStreamsTransport(options));
      const source = track(createRedisStreamsTransport(options));
      await sink.open({ role: 'egress' });
      await source.open({ role: 'ingress', stateDir: stateDir() });
      expect((await sink.send([{ body: Buffer.from('lost') }])).status).toBe('ok');
      const it = source.receive({ signal: new AbortController().signal })[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done).toBe(false);
      await volatile.stop();
      await volatile.start();
      await until(
        'the sink back',
        async () => (await sink.send([{ body: Buffer.from('new') }])).status === 'ok',
        10_000,
      );
      const next = await it.next();
      expect(next.done).toBe(false);
      if (!next.done)
        expect(next.value.messages.map((m) => Buffer.from(m.body).toString())).toEqual(['new']);
      if (!first.done) await expect(first.value.ack()).resolves.toBeUndefined();
    } finally {
      await volatile.dispose();
    }
  });
});
