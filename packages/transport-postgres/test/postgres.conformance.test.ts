import { describeTransportConformance, startTcpProxy, type TcpProxy } from '@edgeplane/adapter-conformance';
import { type MachineTestServer, postgresServer } from '@edgeplane/test-servers';
import { afterAll, expect, it } from 'vitest';
import { createPostgresTransport, postgresTransport } from '../src/index.js';
import { dropTables } from './support/pg.js';

const tables: string[] = [];
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
    });
  },
  descriptor: postgresTransport,
  createBadOptions: () => ({ table: 'x', batchSize: 0 }),
  unreachable: ({ ns }) =>
    createPostgresTransport({
      url: 'postgres://postgres@127.0.0.1:1/test',
      table: ns,
      connectTimeoutMs: 2000,
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
  },
});

afterAll(async () => {
  await dropTables(tables);
});
