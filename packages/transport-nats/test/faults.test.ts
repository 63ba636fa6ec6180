import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConnectionState,
  type EdgeplaneError,
  type GroupEvent,
  type InboundBatch,
  isEdgeplaneError,
  type Transport,
} from '@edgeplane/adapter-loop/transport';
import { type DisposablePrivateServer, privateNats } from '@edgeplane/test-servers';
import { connect } from 'nats';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createNatsTransport, type NatsTransportOptions } from '../src/index.js';

// Faults injected into nats-servers of this file's own (never the machine's shared one on 4222).
const opened: Transport[] = [];
const servers: DisposablePrivateServer[] = [];
const dirs: string[] = [];
const body = (s: string) => Buffer.from(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();

async function server(args: readonly string[] = []): Promise<DisposablePrivateServer> {
  const s = await privateNats({ args });
  servers.push(s);
  return s;
}

function nats(options: NatsTransportOptions) {
  const t = createNatsTransport({ reconnectTimeWaitMs: 100, ...options });
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

function iterate(t: Transport): AsyncIterator<InboundBatch> {
  const iterable = t.receive?.({ signal: new AbortController().signal });
  if (!iterable) throw new Error('no receive()');
  return iterable[Symbol.asyncIterator]();
}

async function next(it: AsyncIterator<InboundBatch>): Promise<InboundBatch> {
  const r = await it.next();
  if (r.done) throw new Error('receive() ended');
  return r.value;
}

function thrown(p: Promise<unknown>): Promise<EdgeplaneError | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => {
      if (!isEdgeplaneError(e)) throw e;
      return e;
    },
  );
}

async function until<T>(what: string, f: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `f` with a JetStream manager on `url` (an admin connection of the test's own). */
async function admin<T>(
  url: string,
  f: (jsm: Awaited<ReturnType<Awaited<ReturnType<typeof connect>>['jetstreamManager']>>) => T,
  auth: { user?: string; pass?: string } = {},
): Promise<Awaited<T>> {
  const nc = await connect({ servers: url, ...auth });
  try {
    return await f(await nc.jetstreamManager());
  } finally {
    await nc.close();
  }
}

/**
 * Deletes durable `d` of `stream`. nats-server 2.9 sometimes answers a delete of a busy durable
 * with "unlinkat …: directory not empty" (its store race): asked again until it is gone.
 */
async function deleteDurable(url: string, stream: string): Promise<void> {
  await admin(url, async (jsm) => {
    for (let i = 0; ; i++) {
      try {
        await jsm.consumers.delete(stream, 'd');
        return;
      } catch (error) {
        if ((error as Error).message.includes('consumer not found')) return;
        if (i >= 10) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  });
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  for (const s of servers) await s.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the root cause is kept; an auth refusal is permanent', () => {
  it('server down: a send is retryable and names the last connection error', async () => {
    const own = await server();
    const sink = nats({ servers: own.url, mode: 'core', subject: 'down', requestTimeoutMs: 300 });
    await sink.open({ role: 'egress' });
    await own.stop();
    let result = await sink.send([{ body: body('x') }]);
    for (let i = 0; i < 20 && result.status === 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      result = await sink.send([{ body: body('x') }]);
    }
    expect(result.status).toBe('retryable');
    if (result.status !== 'retryable') return;
    expect(result.error.code).toBe('unavailable');
    expect(result.error.message).toBe(
      `[transport:nats] cannot publish to down: the connection is down (reconnecting; last error: connection to 127.0.0.1:${own.port}: disconnected from the server (DISCONNECT))`,
    );
  });

  it("restarted with --user/--pass: failed with the server's words within seconds, on send, receive and state", async () => {
    const own = await server();
    const base = { servers: own.url, stream: 'AUTH', subject: 'auth', durable: 'd' };
    const sinkEvents = recorder();
    const sourceEvents = recorder();
    const sink = nats({ ...base, createStream: true });
    await sink.open({ role: 'egress', onStateChange: sinkEvents.onStateChange });
    const source = nats({ ...base, createConsumer: true });
    await source.open({ role: 'ingress', onStateChange: sourceEvents.onStateChange });
    expect((await sink.send([{ body: body('before') }])).status).toBe('ok');
    const it = iterate(source);
    await (await next(it)).ack();
    const pending = thrown(it.next());
    await own.stop();
    await own.start(['--user', 'u', '--pass', 'p']);
    const t0 = Date.now();
    const failed = await until('failed reported by the sink', () =>
      sinkEvents.states.find(([s]) => s === 'failed'),
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    const error = failed[1];
    expect(error?.code).toBe('unauthenticated');
    expect(error?.message).toBe(
      `[transport:nats] cannot reconnect to nats://127.0.0.1:${own.port}: authorization violation (AUTHORIZATION_VIOLATION: 'Authorization Violation')`,
    );
    expect(error?.hint).toBe(
      `check \`user\`/\`password\`, \`token\`, \`credsFile\`, \`nkeySeedFile\` (or the credentials inside the \`servers\` URL) for nats://127.0.0.1:${own.port}`,
    );
    const t1 = Date.now();
    const r = await sink.send([{ body: body('after') }]);
    expect(Date.now() - t1).toBeLessThan(1_000);
    expect(r).toEqual({ status: 'failed', error });
    const e = await pending;
    expect(e?.code).toBe('unauthenticated');
    expect(e?.message).toBe(error?.message);
    const sourceFailed = await until('failed reported by the source', () =>
      sourceEvents.states.find(([s]) => s === 'failed'),
    );
    expect(sourceFailed[1]?.code).toBe('unauthenticated');
  });

  it("a publish the server's permissions deny is permanent: failed with permission-denied", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ep-nats-perm-'));
    dirs.push(dir);
    const conf = join(dir, 'perm.conf');
    writeFileSync(
      conf,
      'authorization { users = [\n' +
        '  { user: admin, password: admin }\n' +
        '  { user: app, password: app, permissions: { publish: { deny: ["denied"] } } }\n' +
        '] }\n',
    );
    const own = await server(['-c', conf]);
    await admin(own.url, (jsm) => jsm.streams.add({ name: 'PERM', subjects: ['denied'] }), {
      user: 'admin',
      pass: 'admin',
    });
    const rec = recorder();
    const sink = nats({
      servers: own.url,
      stream: 'PERM',
      subject: 'denied',
      user: 'app',
      password: 'app',
    });
    await sink.open({ role: 'egress', onStateChange: rec.onStateChange });
    const t0 = Date.now();
    const r = await sink.send([{ body: body('x') }]);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(r.status).toBe('failed');
    if (r.status !== 'failed') return;
    expect(r.error.code).toBe('permission-denied');
    expect(r.error.message).toBe(
      `[transport:nats] the server nats://127.0.0.1:${own.port} refused: permissions violation (PERMISSIONS_VIOLATION: Permissions Violation for Publish to "denied")`,
    );
    expect(r.error.hint).toContain(`on nats://127.0.0.1:${own.port}`);
    expect(rec.states.find(([s]) => s === 'failed')?.[1]).toBe(r.error);
  });
});

describe('credentials inside the server URL', () => {
  it('nats://user:pass@host is honoured; contradicting options are refused', async () => {
    const own = await server(['--user', 'u', '--pass', 'p%w']);
    const url = own.url.replace('nats://', 'nats://u:p%25w@');
    const sink = nats({ servers: url, mode: 'core', subject: 'creds' });
    await sink.open({ role: 'egress' });
    expect((await sink.send([{ body: body('x') }])).status).toBe('ok');
    expect(sink.options.servers).toEqual([own.url]);
    let error: unknown;
    try {
      createNatsTransport({ servers: url, mode: 'core', subject: 'x', user: 'v', password: 'q' });
    } catch (e) {
      error = e;
    }
    expect(isEdgeplaneError(error) && error.code).toBe('invalid-config');
    expect((error as EdgeplaneError).message).toBe(
      '[transport:nats] a `servers` URL carries credentials other than the `user`/`password`/`token`/`credsFile`/`nkeySeedFile` options: give them in one place only',
    );
  });
});

describe('open() honours its signal', () => {
  it('a hung server (SIGSTOP): open() rejects with cancelled within 1 s of the abort', async () => {
    const own = await server();
    own.pause();
    try {
      const t = nats({ servers: own.url, stream: 'S', subject: 's', durable: 'd' });
      const abort = new AbortController();
      const opening = thrown(t.open({ role: 'ingress', signal: abort.signal }));
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      abort.abort();
      const e = await opening;
      expect(Date.now() - t0).toBeLessThan(1_000);
      expect(e?.code).toBe('cancelled');
      expect(e?.message).toBe('[transport:nats] open cancelled: the signal was aborted');
    } finally {
      own.resume();
    }
  });

  it('hung while checking the stream: cancelled within 1 s, and a later open works', async () => {
    const own = await server();
    await admin(own.url, (jsm) => jsm.streams.add({ name: 'H', subjects: ['h'] }));
    const t = nats({ servers: own.url, stream: 'H', subject: 'h', connectTimeoutMs: 10_000 });
    const abort = new AbortController();
    // connected, then the server hangs before the stream check answers
    let paused = false;
    const opening = thrown(
      t.open({
        role: 'egress',
        signal: abort.signal,
        onStateChange: (s) => {
          if (s === 'ready' && !paused) {
            paused = true;
            own.pause();
          }
        },
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    abort.abort();
    const e = await opening;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(e?.code).toBe('cancelled');
    own.resume();
    await t.open({ role: 'egress' });
    expect((await t.send([{ body: body('x') }])).status).toBe('ok');
  });
});

describe('stream or durable deleted mid-run: never a silent replay from the start', () => {
  async function readAndAck(own: DisposablePrivateServer, name: string, createConsumer: boolean) {
    await admin(own.url, async (jsm) => {
      await jsm.streams.add({ name, subjects: [name] });
    });
    const seeder = nats({ servers: own.url, stream: name, subject: name });
    await seeder.open({ role: 'egress' });
    const bodies = Array.from({ length: 10 }, (_, i) => ({ body: body(`m${i}`) }));
    expect((await seeder.send(bodies)).status).toBe('ok');
    const rec = recorder();
    const t = nats({
      servers: own.url,
      stream: name,
      subject: name,
      durable: 'd',
      createConsumer: true,
      // one message per batch: a batch holds what has arrived, so a larger one may be split
      // anywhere on a loaded machine, and exactly m0..m3 must be acknowledged
      batchMaxMessages: 1,
    });
    await t.open({ role: 'ingress', ...rec });
    const it = iterate(t);
    const acked: string[] = [];
    while (acked.length < 4) {
      const b = await next(it);
      acked.push(...b.messages.map((m) => text(m.body)));
      await b.ack();
    }
    expect(acked).toEqual(['m0', 'm1', 'm2', 'm3']);
    if (!createConsumer) {
      // the same durable, read by a transport that must not create it
      await t.close();
      const strict = nats({ servers: own.url, stream: name, subject: name, durable: 'd' });
      const strictRec = recorder();
      await strict.open({ role: 'ingress', ...strictRec });
      return { it: iterate(strict), rec: strictRec };
    }
    return { it, rec };
  }

  it('the durable deleted, createConsumer=true: recreated after the last ack (logged), no replay from 1', async () => {
    const own = await server();
    const { it, rec } = await readAndAck(own, 'GONE', true);
    await deleteDurable(own.url, 'GONE');
    const got: string[] = [];
    while (new Set(got).size < 6) {
      const b = await next(it);
      got.push(...b.messages.map((m) => text(m.body)));
      await b.ack();
    }
    // m4.. may come twice (held when it was deleted), m0..m3 never again
    expect(got.filter((m) => ['m0', 'm1', 'm2', 'm3'].includes(m))).toEqual([]);
    expect([...new Set(got)]).toEqual(['m4', 'm5', 'm6', 'm7', 'm8', 'm9']);
    const event = await until('the assigned event', () =>
      rec.events.find((e) => e.type === 'assigned'),
    );
    expect(event.detail).toBe(
      'durable consumer d of stream GONE disappeared (deleted); recreated it at stream sequence 5, the first not acknowledged: messages from it on are delivered (again), none before it',
    );
    const reported = rec.states.find(([s]) => s === 'reconnecting')?.[1];
    expect(reported?.code).toBe('not-found');
    expect(reported?.message).toBe(
      `[transport:nats] durable consumer d of stream GONE was deleted on nats://127.0.0.1:${own.port}; recreating it at stream sequence 5: consumer not found (10014)`,
    );
    expect(rec.states.at(-1)?.[0]).toBe('ready');
    const info = await admin(own.url, (jsm) => jsm.consumers.info('GONE', 'd'));
    expect(info.config.opt_start_seq).toBe(5);
  });

  it('the durable deleted, createConsumer=false: a permanent not-found with the command to fix it', async () => {
    const own = await server();
    const { it, rec } = await readAndAck(own, 'STRICT', false);
    const b = await next(it);
    expect(b.messages.map((m) => text(m.body))[0]).toBe('m4');
    await deleteDurable(own.url, 'STRICT');
    const e = await thrown(
      (async () => {
        for (;;) await next(it);
      })(),
    );
    expect(e?.code).toBe('not-found');
    expect(e?.message).toBe(
      `[transport:nats] durable consumer d of stream STRICT was deleted on nats://127.0.0.1:${own.port} while reading it (consumer not found); \`createConsumer\` is false, so it is not recreated`,
    );
    expect(e?.hint).toBe(
      'recreate it where this lane left off: `nats consumer add STRICT d --pull --ack explicit --deliver 5 --filter STRICT`, then run again (or set `createConsumer=true` to recreate it there automatically)',
    );
    expect(rec.states.find(([s]) => s === 'failed')?.[1]).toBe(e);
  });

  it('the stream deleted: a permanent not-found naming it, nothing recreated', async () => {
    const own = await server();
    const { it } = await readAndAck(own, 'DROPPED', true);
    await admin(own.url, (jsm) => jsm.streams.delete('DROPPED'));
    const e = await thrown(
      (async () => {
        for (;;) await next(it);
      })(),
    );
    expect(e?.code).toBe('not-found');
    expect(e?.message).toBe(
      `[transport:nats] stream DROPPED was deleted on nats://127.0.0.1:${own.port} while reading it (stream not found); its messages are gone with it, so nothing is replayed or recreated`,
    );
    const names = await admin(own.url, async (jsm) => {
      const out: string[] = [];
      for await (const s of jsm.streams.names()) out.push(s);
      return out;
    });
    expect(names).toEqual([]);
  });
});
