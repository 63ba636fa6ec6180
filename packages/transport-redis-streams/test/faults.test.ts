import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ConnectionState,
  EdgeplaneError,
  GroupEvent,
  InboundBatch,
  Transport,
} from '@edgeplane/adapter-loop/transport';
import { type DisposablePrivateServer, privateRedis } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStreamsTransport, type RedisStreamsTransportOptions } from '../src/index.js';
import { TestRedis, until } from './support/cli.js';

// Faults injected into Redis servers of this file's own (never the machine's shared one).
let server: DisposablePrivateServer;
let admin: TestRedis;
const opened: Transport[] = [];
const dirs: string[] = [];
const others: DisposablePrivateServer[] = [];

const stateDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ep-rs-faults-'));
  dirs.push(d);
  return d;
};
const body = (s: string) => Buffer.from(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();

function transport(options: Partial<RedisStreamsTransportOptions> & { stream: string }) {
  const t = createRedisStreamsTransport({ url: server.url, blockMs: 100, ...options });
  opened.push(t);
  return t;
}

function recorder() {
  const states: [ConnectionState, EdgeplaneError | undefined][] = [];
  const events: GroupEvent[] = [];
  return {
    states,
    events,
    onStateChange: (s: ConnectionState, e?: EdgeplaneError) => states.push([s, e]),
    onGroupEvent: (e: GroupEvent) => events.push(e),
  };
}

function iterate(t: Transport) {
  return t.receive?.({ signal: new AbortController().signal })[Symbol.asyncIterator]() as
    | AsyncIterator<InboundBatch>
    | undefined;
}

async function next(it: AsyncIterator<InboundBatch> | undefined): Promise<InboundBatch> {
  const r = await it?.next();
  if (!r || r.done) throw new Error('receive() ended');
  return r.value;
}

beforeAll(async () => {
  server = await privateRedis();
  admin = await TestRedis.connect(server.url);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  admin?.client.disconnect();
  await server?.dispose();
  for (const s of others) await s.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('poison messages fail alone', () => {
  it("a body over the server's proto-max-bulk-len is refused alone; the rest is written in order", async () => {
    const small = await privateRedis({ args: ['--proto-max-bulk-len', '1mb'] });
    others.push(small);
    const sink = createRedisStreamsTransport({ url: small.url, stream: 'p' });
    opened.push(sink);
    await sink.open({ role: 'egress' });
    const big = new Uint8Array(2 * 1024 * 1024).fill(0x61);
    const r = await sink.send([{ body: body('before') }, { body: big }, { body: body('after') }]);
    expect(r.status).toBe('partial');
    if (r.status !== 'partial') return;
    expect(r.rejected.map((x) => x.index)).toEqual([1]);
    expect(r.rejected[0]?.error.code).toBe('too-large');
    expect(r.rejected[0]?.error.message).toBe(
      `[transport:redis-streams] message 1 of the batch has a body of 2097152 bytes, over the server's \`proto-max-bulk-len\` on 127.0.0.1:${small.port} (1048576 bytes)`,
    );
    const check = await TestRedis.connect(small.url);
    const entries = (await check.client.xrange('p', '-', '+')) as [string, string[]][];
    check.client.disconnect();
    expect(entries.map(([, f]) => f[1])).toEqual(['before', 'after']);
  });

  it('inbound messages name their origin: stream and entry id', async () => {
    const stream = 'origin';
    const id = await admin.client.xadd(stream, '*', 'body', 'x');
    const t = transport({ stream });
    await t.open({ role: 'ingress', stateDir: stateDir() });
    const batch = await next(iterate(t));
    expect(batch.messages[0]?.origin).toBe(`stream origin entry ${id}`);
  });
});

describe('the root cause is kept; an auth refusal is permanent', () => {
  it('server down: a send is retryable and names the last connection error', async () => {
    const own = await privateRedis();
    others.push(own);
    const sink = createRedisStreamsTransport({ url: own.url, stream: 'down' });
    opened.push(sink);
    await sink.open({ role: 'egress' });
    await own.kill();
    const r = await until(
      'a send naming ECONNREFUSED',
      async () => {
        const x = await sink.send([{ body: body('x') }]);
        return x.status === 'retryable' && x.error.message.includes('ECONNREFUSED') ? x : false;
      },
      10_000,
      100,
    );
    expect(r.error.code).toBe('unavailable');
    expect(r.error.message).toBe(
      `[transport:redis-streams] cannot XADD to stream "down" on 127.0.0.1:${own.port}: the connection is down (reconnecting; last error: cannot reconnect to 127.0.0.1:${own.port}: connection refused (ECONNREFUSED))`,
    );
  });

  it('restarted with --requirepass: failed with NOAUTH within seconds, on send, receive and state', async () => {
    const own = await privateRedis();
    others.push(own);
    const options = { url: own.url, stream: 'auth', blockMs: 100 };
    const sinkEvents = recorder();
    const sourceEvents = recorder();
    const sink = createRedisStreamsTransport(options);
    const source = createRedisStreamsTransport(options);
    opened.push(sink, source);
    await sink.open({ role: 'egress', onStateChange: sinkEvents.onStateChange });
    await source.open({
      role: 'ingress',
      stateDir: stateDir(),
      onStateChange: sourceEvents.onStateChange,
    });
    expect((await sink.send([{ body: body('before') }])).status).toBe('ok');
    const it = iterate(source);
    await next(it);
    const pendingNext = it?.next().then(
      () => undefined,
      (e: EdgeplaneError) => e,
    );
    await own.kill();
    await own.start(['--requirepass', 's3cret']);
    const t0 = Date.now();
    const failed = await until(
      'failed reported',
      () => sinkEvents.states.find(([s]) => s === 'failed'),
      10_000,
    );
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(failed[1]?.code).toBe('unauthenticated');
    const r = await sink.send([{ body: body('after') }]);
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.error.code).toBe('unauthenticated');
    expect(r.error.message).toMatch(
      new RegExp(
        `^\\[transport:redis-streams\\] cannot reconnect to 127\\.0\\.0\\.1:${own.port}: the server requires a password \\(NOAUTH: `,
      ),
    );
    expect(r.error.hint).toContain('`password`');
    expect(r.error.hint).toContain(`127.0.0.1:${own.port}`);
    const thrown = await pendingNext;
    expect(thrown?.code).toBe('unauthenticated');
    await until(
      'the source failed too',
      () => sourceEvents.states.find(([s]) => s === 'failed'),
      10_000,
    );
  });
});

describe('open() honours its signal', () => {
  it('a hung server (SIGSTOP): open() rejects with cancelled within 1 s of the abort', async () => {
    const own = await privateRedis();
    others.push(own);
    own.pause();
    try {
      const t = createRedisStreamsTransport({ url: own.url, stream: 's' });
      opened.push(t);
      const abort = new AbortController();
      const opening = t.open({ role: 'ingress', stateDir: stateDir(), signal: abort.signal }).then(
        () => undefined,
        (e: EdgeplaneError) => e,
      );
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      abort.abort();
      const e = await opening;
      expect(Date.now() - t0).toBeLessThan(1_000);
      expect(e?.code).toBe('cancelled');
    } finally {
      own.resume();
    }
  });
});

it('a hung server (SIGSTOP) and no abort: open() fails by connectTimeoutMs (retryable, timed out) instead of waiting forever', async () => {
  const own = await privateRedis();
  others.push(own);
  own.pause();
  try {
    const t = createRedisStreamsTransport({ url: own.url, stream: 's', connectTimeoutMs: 500 });
    opened.push(t);
    const e = await t.open({ role: 'egress' }).then(
      () => undefined,
      (error: EdgeplaneError) => error,
    );
    expect(e?.retryable).toBe(true);
    expect(e?.message).toMatch(/timed out/);
  } finally {
    own.resume();
  }
}, 20_000);

describe('server-side state deleted mid-run', () => {
  async function readAndAck(stream: string, options: Partial<RedisStreamsTransportOptions> = {}) {
    for (let i = 0; i < 10; i++) await admin.client.xadd(stream, `${i + 1}-0`, 'body', `m${i}`);
    const rec = recorder();
    const t = transport({ stream, batchMaxMessages: 4, ...options });
    await t.open({ role: 'ingress', stateDir: stateDir(), ...rec });
    const it = iterate(t);
    const first = await next(it);
    expect(first.messages.map((m) => text(m.body))).toEqual(['m0', 'm1', 'm2', 'm3']);
    await first.ack();
    return { t, it, rec };
  }

  it('the group deleted: recreated at the last acknowledged entry (logged), no replay from 0', async () => {
    const { it, rec } = await readAndAck('gone-group');
    expect(await admin.client.call('XGROUP', 'DESTROY', 'gone-group', 'edgeplane')).toBe(1);
    const got: string[] = [];
    while (got.length < 6) {
      const b = await next(it);
      got.push(...b.messages.map((m) => text(m.body)));
      await b.ack();
    }
    expect(got).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    const event = rec.events.find((e) => e.type === 'assigned');
    expect(event?.detail).toBe(
      'group "edgeplane" of stream "gone-group" disappeared (deleted); recreated it at entry 4-0, the last acknowledged position known: entries after it are delivered (again), none before it',
    );
    const reported = rec.states.find(([s]) => s === 'reconnecting')?.[1];
    expect(reported?.code).toBe('not-found');
    expect(rec.states.at(-1)?.[0]).toBe('ready');
  });

  it('createGroup=false: a permanent not-found naming what disappeared and the command to fix it', async () => {
    await admin.client.call('XGROUP', 'CREATE', 'gone-strict', 'edgeplane', '0', 'MKSTREAM');
    const { it } = await readAndAck('gone-strict', { createGroup: false });
    await admin.client.call('XGROUP', 'DESTROY', 'gone-strict', 'edgeplane');
    const e = await it?.next().then(
      () => undefined,
      (x: EdgeplaneError) => x,
    );
    expect(e?.code).toBe('not-found');
    expect(e?.message).toBe(
      `[transport:redis-streams] consumer group "edgeplane" of stream "gone-strict" was deleted on 127.0.0.1:${server.port} while reading it (NOGROUP); \`createGroup\` is false, so it is not recreated`,
    );
    expect(e?.hint).toContain('`XGROUP CREATE gone-strict edgeplane 4-0 MKSTREAM`');
  });
});

describe('lag and group events', () => {
  it("entries pending on a dead consumer count in lag, and taking them over is a 'claimed' event", async () => {
    const stream = 'claims';
    for (let i = 0; i < 5; i++) await admin.client.xadd(stream, `${i + 1}-0`, 'body', `m${i}`);
    const dead = transport({ stream, consumer: 'dead-one', batchMaxMessages: 3 });
    await dead.open({ role: 'ingress', stateDir: stateDir() });
    const taken = await next(iterate(dead));
    expect(taken.messages).toHaveLength(3);
    await dead.close(); // died without acknowledging
    const rec = recorder();
    const live = transport({
      stream,
      consumer: 'live-one',
      claimMinIdleMs: 200,
      claimIntervalMs: 100,
    });
    await live.open({ role: 'ingress', stateDir: stateDir(), ...rec });
    expect(await live.lag?.()).toEqual({ lag: 5 }); // 2 undelivered + 3 pending on dead-one
    const it = iterate(live);
    const got: string[] = [];
    while (got.length < 5) {
      const b = await next(it);
      got.push(...b.messages.map((m) => text(m.body)));
      await b.ack();
    }
    expect(got.sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(rec.events).toContainEqual({
      type: 'claimed',
      partitions: ['claims'],
      detail:
        'took over 3 entries (1-0..3-0) pending on consumer "dead-one" of group "edgeplane" for over 200 ms (`claimMinIdleMs`)',
    });
    expect(await live.lag?.()).toEqual({ lag: 0 });
  });

  it('where Redis leaves lag null (XGROUP SETID), the reading is computed and marked an estimate', async () => {
    const stream = 'setid';
    for (let i = 0; i < 10; i++) await admin.client.xadd(stream, `${i + 1}-0`, 'body', `m${i}`);
    await admin.client.xdel(stream, '2-0');
    const t = transport({ stream });
    await t.open({ role: 'ingress', stateDir: stateDir() });
    await admin.client.call('XGROUP', 'SETID', stream, 'edgeplane', '5-0');
    const reading = await t.lag?.();
    expect(reading?.unit).toBe('messages (estimate)');
    expect(reading?.lag).toBeGreaterThanOrEqual(0);
    expect(reading?.lag).toBeLessThanOrEqual(9);
    await admin.client.call('XGROUP', 'SETID', stream, 'edgeplane', '10-0');
    expect(await t.lag?.()).toEqual({ lag: 0 });
  });
});
