import { describeTransportConformance } from '@edgeplane/adapter-conformance';
import { type MachineTestServer, postgresServer } from '@edgeplane/test-servers';
import { afterAll, expect, it } from 'vitest';
import { createPostgresTransport, postgresTransport } from '../src/index.js';
import { dropTables } from './support.js';

const tables: string[] = [];

describeTransportConformance<MachineTestServer>({
  transport: 'postgres',
  server: postgresServer(),
  // Source and sink of a test share the table named by the namespace; the sink creates it. The
  // source runs in mode=single: its checkpoint lives in the per-test stateDir.
  create: ({ server, ns }) => {
    tables.push(ns);
    return createPostgresTransport({
      url: server.url,
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
