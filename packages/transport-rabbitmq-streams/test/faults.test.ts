// Faults injected into a private RabbitMQ node (test-servers `privateRabbitmq`, never the
// machine's shared broker): credentials changed mid-run, the node down, a hung node during
// open(), a stream deleted mid-run.
import type {
  ConnectionState,
  EdgeplaneError,
  InboundBatch,
  Transport,
} from '@edgeplane/adapter-loop/transport';
import { type PrivateRabbitmq, privateRabbitmq } from '@edgeplane/test-servers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamClient } from '../src/client.js';
import {
  createRabbitmqStreamsTransport,
  type RabbitmqStreamsTransportOptions,
} from '../src/index.js';

let node: PrivateRabbitmq;
const opened: Transport[] = [];
const FAST = { reconnectMinDelayMs: 100, reconnectMaxDelayMs: 500 } as const;

beforeAll(async () => {
  node = await privateRabbitmq();
  // A user of this file's own, so `guest` stays usable for the admin client.
  await node.ctl(['add_user', 'alice', 'alice-1']);
  await node.ctl(['set_permissions', '-p', '/', 'alice', '.*', '.*', '.*']);
});
afterEach(async () => {
  node.resume();
  await Promise.all(opened.splice(0).map((t) => t.close()));
});
afterAll(() => node?.dispose());

const body = (s: string) => Buffer.from(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();

function transport(
  options: Partial<RabbitmqStreamsTransportOptions> & { stream: string },
  url = node.url,
) {
  const t = createRabbitmqStreamsTransport({ url, ...FAST, ...options });
  opened.push(t);
  return t;
}

function recorder() {
  const states: [ConnectionState, EdgeplaneError | undefined][] = [];
  return {
    states,
    onStateChange: (s: ConnectionState, e?: EdgeplaneError) => states.push([s, e]),
  };
}

function iterate(t: Transport): AsyncIterator<InboundBatch> {
  if (!t.receive) throw new Error('the transport has no receive()');
  const batches = t.receive({ signal: new AbortController().signal });
  return batches[Symbol.asyncIterator]();
}

async function next(it: AsyncIterator<InboundBatch>): Promise<InboundBatch> {
  const r = await it.next();
  if (r.done) throw new Error('receive() ended');
  return r.value;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ends every stream-protocol connection of the node (as a network cut would), via rabbitmqctl. */
const dropConnections = () =>
  node.ctl(['eval', '[exit(P, kill) || P <- pg_local:get_members(rabbit_non_amqp_connections)].']);

async function admin<T>(run: (c: Awaited<ReturnType<typeof connectAdmin>>) => Promise<T>) {
  const c = await connectAdmin();
  try {
    return await run(c);
  } finally {
    await c.close();
  }
}
const connectAdmin = () =>
  streamClient().connect({
    hostname: '127.0.0.1',
    port: node.port,
    username: 'guest',
    password: 'guest',
    vhost: '/',
  });

const aliceUrl = (password: string) =>
  `rabbitmq-stream://alice:${password}@127.0.0.1:${node.port}/`;

describe('credentials refused mid-run are permanent', () => {
  it('password changed, connections dropped: send() failed unauthenticated with the hint, receive() throws it, failed reported', async () => {
    const url = aliceUrl('alice-1');
    const sinkEvents = recorder();
    const sourceEvents = recorder();
    const sink = transport({ stream: 'auth', publisherRef: 'p' }, url);
    const source = transport({ stream: 'auth', consumerName: 'c' }, url);
    await sink.open({ role: 'egress', onStateChange: sinkEvents.onStateChange });
    await source.open({ role: 'ingress', onStateChange: sourceEvents.onStateChange });
    expect((await sink.send([{ body: body('before') }])).status).toBe('ok');
    const it = iterate(source);
    await (await next(it)).ack();
    const pendingNext = it.next().then(
      () => undefined,
      (e: EdgeplaneError) => e,
    );
    await node.ctl(['change_password', 'alice', 'alice-2']);
    const t0 = Date.now();
    await dropConnections();
    const failed = await until('failed reported', () =>
      sinkEvents.states.find(([s]) => s === 'failed'),
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(failed[1]?.code).toBe('unauthenticated');
    const r = await sink.send([{ body: body('after') }]);
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.error.code).toBe('unauthenticated');
    expect(r.error.message).toBe(
      `[transport:rabbitmq-streams] cannot connect (127.0.0.1:${node.port}): authentication failure (response code 8)`,
    );
    expect(r.error.hint).toContain('`username` / `password`');
    expect(r.error.hint).toContain(`refused by 127.0.0.1:${node.port}`);
    const thrown = await pendingNext;
    expect(thrown?.code).toBe('unauthenticated');
    await until('the source failed too', () => sourceEvents.states.find(([s]) => s === 'failed'));
    // Nothing reconnects any more: failed is final.
    const count = sinkEvents.states.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(sinkEvents.states.length).toBe(count);
    await node.ctl(['change_password', 'alice', 'alice-1']);
  });

  it('permissions on the vhost removed: permission-denied on reconnect, failed', async () => {
    await node.ctl(['add_user', 'bob', 'bob-1']);
    await node.ctl(['set_permissions', '-p', '/', 'bob', '.*', '.*', '.*']);
    const events = recorder();
    const sink = transport(
      { stream: 'perm', publisherRef: 'p' },
      `rabbitmq-stream://bob:bob-1@127.0.0.1:${node.port}/`,
    );
    await sink.open({ role: 'egress', onStateChange: events.onStateChange });
    expect((await sink.send([{ body: body('x') }])).status).toBe('ok');
    await node.ctl(['clear_permissions', '-p', '/', 'bob']);
    await dropConnections();
    const failed = await until('failed reported', () =>
      events.states.find(([s]) => s === 'failed'),
    );
    expect(failed[1]?.code).toBe('permission-denied');
    expect(failed[1]?.message).toContain(`(127.0.0.1:${node.port}): virtual host access failure`);
    const r = await sink.send([{ body: body('y') }]);
    expect(r.status === 'failed' && r.error.code).toBe('permission-denied');
  });

  it('a bad password at open() is unauthenticated at once, naming the options', async () => {
    const t = transport({ stream: 'auth-open', publisherRef: 'p' }, aliceUrl('nope'));
    const e = await t.open({ role: 'egress' }).then(
      () => undefined,
      (x: EdgeplaneError) => x,
    );
    expect(e?.code).toBe('unauthenticated');
    expect(e?.hint).toBe(
      `check the user and password (in \`url\`, or \`username\` / \`password\`); RabbitMQ lets \`guest\` in from localhost only (refused by 127.0.0.1:${node.port})`,
    );
  });
});

describe('while the connection is down, errors name its cause', () => {
  it('a node that went away: send() is retryable and names the last connection error', async () => {
    const own = await privateRabbitmq();
    try {
      const sink = transport({ stream: 'down', publisherRef: 'p' }, own.url);
      await sink.open({ role: 'egress' });
      expect((await sink.send([{ body: body('x') }])).status).toBe('ok');
      await own.kill();
      const r = await until('a send naming ECONNREFUSED', async () => {
        const x = await sink.send([{ body: body('y') }]);
        return x.status === 'retryable' && x.error.message.includes('ECONNREFUSED') ? x : false;
      });
      expect(r.error.code).toBe('unavailable');
      expect(r.error.message).toBe(
        `[transport:rabbitmq-streams] cannot publish (127.0.0.1:${own.port}): the connection is down (reconnecting; last error: cannot connect (127.0.0.1:${own.port}): connection refused (ECONNREFUSED))`,
      );
    } finally {
      await own.dispose();
    }
  });
});

describe('open() honours its signal', () => {
  for (const role of ['ingress', 'egress'] as const) {
    it(`${role}: a hung node (SIGSTOP): open() rejects with cancelled within 1 s of the abort`, async () => {
      node.pause();
      const t = transport({ stream: 'hung', consumerName: 'c', publisherRef: 'p' });
      const abort = new AbortController();
      const opening = t.open({ role, signal: abort.signal }).then(
        () => undefined,
        (e: EdgeplaneError) => e,
      );
      await new Promise((r) => setTimeout(r, 500));
      const t0 = Date.now();
      abort.abort();
      const e = await opening;
      expect(Date.now() - t0).toBeLessThan(1_000);
      expect(e?.code).toBe('cancelled');
      expect(e?.message).toBe(
        '[transport:rabbitmq-streams] open cancelled: the signal was aborted',
      );
      node.resume();
    });
  }

  it('a node that is down: an aborted signal rejects with cancelled at once', async () => {
    const t = transport({ stream: 'x', publisherRef: 'p' }, 'rabbitmq-stream://127.0.0.1:1/');
    const e = await t.open({ role: 'egress', signal: AbortSignal.abort() }).then(
      () => undefined,
      (x: EdgeplaneError) => x,
    );
    expect(e?.code).toBe('cancelled');
  });
});

describe('a stream deleted mid-run is never replayed from the start', () => {
  it('ingress: a permanent not-found naming the stream, the last acknowledged offset and the fix', async () => {
    const stream = 'gone-in';
    const events = recorder();
    const sink = transport({ stream, publisherRef: 'p' });
    await sink.open({ role: 'egress' });
    expect(
      (await sink.send(Array.from({ length: 5 }, (_, i) => ({ body: body(`m${i}`) })))).status,
    ).toBe('ok');
    await sink.close();
    const source = transport({ stream, consumerName: 'c', batchMaxMessages: 3 });
    await source.open({ role: 'ingress', onStateChange: events.onStateChange });
    const it = iterate(source);
    const first = await next(it);
    expect(first.messages.map((m) => text(m.body))).toEqual(['m0', 'm1', 'm2']);
    await first.ack();
    await admin((c) => c.deleteStream({ stream }));
    // The iterator may still hand out what it had buffered; then it throws.
    let thrown: EdgeplaneError | undefined;
    for (let i = 0; i < 3 && !thrown; i++)
      thrown = await it.next().then(
        () => undefined,
        (e: EdgeplaneError) => e,
      );
    expect(thrown?.code).toBe('not-found');
    expect(thrown?.message).toMatch(
      new RegExp(
        `^\\[transport:rabbitmq-streams\\] stream "gone-in" was deleted on 127\\.0\\.0\\.1:${node.port} while this lane was reading it \\(.*\\); the last acknowledged offset was 2$`,
      ),
    );
    expect(thrown?.hint).toContain('recreate it');
    expect(events.states.find(([s]) => s === 'failed')?.[1]?.code).toBe('not-found');
  });

  it('ingress: deleted and created again at once: not-found, not a silent restart', async () => {
    const stream = 'recreated';
    const sink = transport({ stream, publisherRef: 'p' });
    await sink.open({ role: 'egress' });
    await sink.send([{ body: body('a') }, { body: body('b') }]);
    await sink.close();
    const source = transport({ stream, consumerName: 'c' });
    const events = recorder();
    await source.open({ role: 'ingress', onStateChange: events.onStateChange });
    const it = iterate(source);
    await (await next(it)).ack();
    await admin(async (c) => {
      await c.deleteStream({ stream });
      await c.createStream({ stream, arguments: {} });
    });
    await dropConnections().catch(() => {});
    const failed = await until(
      'failed reported',
      () => events.states.find(([s]) => s === 'failed'),
      15_000,
    );
    expect(failed[1]?.code).toBe('not-found');
    expect(failed[1]?.message).toContain(
      `stream "recreated" was deleted on 127.0.0.1:${node.port}`,
    );
  });

  it('egress: a permanent not-found; the stream is not recreated behind the operator', async () => {
    const stream = 'gone-out';
    const events = recorder();
    const sink = transport({ stream, publisherRef: 'p', createStream: true });
    await sink.open({ role: 'egress', onStateChange: events.onStateChange });
    expect((await sink.send([{ body: body('a') }])).status).toBe('ok');
    await admin((c) => c.deleteStream({ stream }));
    const failed = await until('failed reported', () =>
      events.states.find(([s]) => s === 'failed'),
    );
    expect(failed[1]?.code).toBe('not-found');
    expect(failed[1]?.message).toMatch(
      new RegExp(
        `^\\[transport:rabbitmq-streams\\] stream "gone-out" was deleted on 127\\.0\\.0\\.1:${node.port} while this lane was publishing to it \\(`,
      ),
    );
    const r = await sink.send([{ body: body('b') }]);
    expect(r.status === 'failed' && r.error.code).toBe('not-found');
    const exists = await admin(async (c) => {
      const [meta] = await c.queryMetadata({ streams: [stream] });
      return meta?.responseCode !== 2;
    });
    expect(exists).toBe(false);
  });
});
