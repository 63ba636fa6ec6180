import {
  describeTransportConformance,
  startTcpProxy,
  type TcpProxy,
} from '@edgeplane/adapter-conformance';
import { type MachineTestServer, postgresServer } from '@edgeplane/test-servers';
import { afterAll, expect, it } from 'vitest';
import { createPostgresTransport, postgresTransport } from '../src/index.js';
import { countRows, dropTables } from './support/pg.js';

const tables: string[] = [];
const MAX_BODY = 1024 * 1024;
type Server = MachineTestServer & { proxy: TcpProxy; proxyUrl: string };

/** The machine's server behind a loopback proxy whose `cut()` drops every connection. */
const server = async (): Promise<Server> => {
  const machine = await postgresServer()();
  const proxy = await startTcpProxy({ host: machine.host, port: machine.port });
  const u = new URL(machine.url ?? '');
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return {
    ...machine,
    proxy,
    proxyUrl: u.href,
    stop: async () => {
      await proxy.close();
      await machine.stop();
    },
  };
};

describeTransportConformance<Server>({
  transport: 'postgres',
  server,
  // Source and sink of a test share the table named by the namespace; the sink creates it. The
  // source runs in mode=single: its checkpoint lives in the per-test stateDir.
  create: ({ server, ns }) => {
    tables.push(ns);
    return createPostgresTransport({
      url: server.proxyUrl,
      table: ns,
      createTable: true,
      pollIntervalMs: 50,
      // A small limit, so the poison case sends 1 MiB + 1 bytes, not 256 MiB + 1.
      maxBodyBytes: MAX_BODY,
    });
  },
  descriptor: postgresTransport,
  createBadOptions: () => ({ table: 'x', batchSize: 0 }),
  unreachable: ({ ns }) =>
    createPostgresTransport({
      url: 'postgres://postgres@127.0.0.1:1/test',
      table: ns,
      connectTimeoutMs: 2000,
      maxBodyBytes: MAX_BODY,
    }),
  declares: {
    source: true,
    sink: true,
    ordering: 'total',
    redelivery: true,
    replay: true,
    keys: true,
    headers: true,
    delivery: 'at-least-once',
    framing: 'message',
    maxBodyBytes: MAX_BODY,
  },
  interrupt: async ({ server }) => {
    server.proxy.cut();
  },
  extra: (ctx) => {
    it('positions are the orderBy values, ids are table@position', async () => {
      const { source } = await ctx.pair();
      await ctx.seed([{ body: new Uint8Array([1]) }, { body: new Uint8Array([2]) }]);
      const { messages } = await ctx.drain(source, { count: 2 });
      const [a, b] = messages.map((m) => m.position ?? '');
      expect(BigInt(b ?? '0')).toBe(BigInt(a ?? '0') + 1n);
      expect(messages[0]?.id).toBe(`${ctx.ns()}@${a}`);
      expect(messages[0]?.origin).toBe(`table ${ctx.ns()} id ${a}`);
    });

    const shared = (ns: string, extra: Record<string, unknown> = {}) =>
      ctx.track(
        createPostgresTransport({
          url: ctx.server().proxyUrl,
          table: ns,
          mode: 'shared',
          pollIntervalMs: 50,
          batchSize: 5,
          ...extra,
        }),
      );

    it('mode=shared: two readers split the rows, acked rows are deleted, a nacked batch returns', async () => {
      const { source: _single } = await ctx.pair();
      const ns = ctx.ns();
      await ctx.seed(
        Array.from({ length: 20 }, (_, i) => ({ body: new TextEncoder().encode(`s${i}`) })),
      );
      const a = shared(ns);
      const b = shared(ns);
      await a.open({ role: 'ingress' });
      await b.open({ role: 'ingress' });
      const controller = new AbortController();
      const ia = a.receive?.({ signal: controller.signal })[Symbol.asyncIterator]();
      const ib = b.receive?.({ signal: controller.signal })[Symbol.asyncIterator]();
      const first = (await ia?.next())?.value;
      const second = (await ib?.next())?.value;
      const bodies = (batch: typeof first) =>
        batch?.messages.map((m: { body: Uint8Array }) => new TextDecoder().decode(m.body)) ?? [];
      // SKIP LOCKED: the second reader gets the next rows, not the locked ones.
      expect(bodies(first)).toEqual(['s0', 's1', 's2', 's3', 's4']);
      expect(bodies(second)).toEqual(['s5', 's6', 's7', 's8', 's9']);
      await first?.ack(2);
      await first?.nack();
      await second?.ack();
      expect(await countRows(ns)).toBe(13);
      const again = (await ia?.next())?.value;
      expect(bodies(again)).toEqual(['s2', 's3', 's4', 's10', 's11']);
      await again?.ack();
      expect((await a.lag?.())?.lag).toBe(8);
      controller.abort();
    });

    it('mode=shared with onAck=mark sets doneColumn and skips done rows', async () => {
      await ctx.pair();
      const ns = ctx.ns();
      await ctx.seed([{ body: new Uint8Array([1]) }, { body: new Uint8Array([2]) }]);
      const a = shared(ns, { onAck: 'mark' });
      await a.open({ role: 'ingress' });
      const controller = new AbortController();
      const it1 = a.receive?.({ signal: controller.signal })[Symbol.asyncIterator]();
      const batch = (await it1?.next())?.value;
      await batch?.ack();
      expect(await countRows(ns, 'WHERE done_at IS NOT NULL')).toBe(2);
      expect((await a.lag?.())?.lag).toBe(0);
      controller.abort();
    });

    it('notifyChannel: a NOTIFY from the sink wakes an idle reader long before pollIntervalMs', async () => {
      const ns = ctx.ns();
      tables.push(ns);
      const channel = ns.replace(/-/g, '_');
      const sink = ctx.track(
        createPostgresTransport({
          url: ctx.server().proxyUrl,
          table: ns,
          createTable: true,
          notifyChannel: channel,
        }),
      );
      await sink.open({ role: 'egress' });
      const source = ctx.track(
        createPostgresTransport({
          url: ctx.server().proxyUrl,
          table: ns,
          notifyChannel: channel,
          pollIntervalMs: 60_000,
        }),
      );
      await source.open({ role: 'ingress', stateDir: ctx.stateDir('source') });
      const controller = new AbortController();
      const iterator = source.receive?.({ signal: controller.signal })[Symbol.asyncIterator]();
      const next = iterator?.next();
      await new Promise((r) => setTimeout(r, 300)); // the reader found nothing and sleeps
      const sentAt = Date.now();
      await sink.send?.([{ body: new Uint8Array([7]) }]);
      const got = await next;
      expect(Date.now() - sentAt).toBeLessThan(2000);
      expect(got?.value?.messages.length).toBe(1);
      controller.abort();
    });

    it('lag is the number of rows after the checkpoint', async () => {
      const { source } = await ctx.pair();
      await ctx.seed(Array.from({ length: 10 }, () => ({ body: new Uint8Array([0]) })));
      expect((await source.lag?.())?.lag).toBe(10);
      await ctx.drain(source, { count: 10, ack: 4 });
      expect(await source.lag?.()).toEqual({ lag: 6, unit: 'rows' });
    });
  },
});

afterAll(async () => {
  await dropTables(tables);
});
