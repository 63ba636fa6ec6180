import { createServer, type Server, type Socket } from 'node:net';
import type {
  CheckContext,
  OutboundMessage,
  TransportCheck,
} from '@edgeplane/adapter-loop/transport';
import {
  createTestPki,
  freePort,
  type PrivatePostgres,
  privatePostgres,
  uniqueName,
} from '@edgeplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresTransport, type PostgresTransportOptions } from '../src/index.js';
import { client, countRows, dropTables, fillTable, POSTGRES_URL } from './support/pg.js';

// doctor's checks against the machine's PostgreSQL, a private cluster with passwords and roles
// of its own, a private mutual-TLS cluster, a closed port and a port that never answers. Every
// check only reads: row counts are compared before and after.
const tables: string[] = [];
const table = () => {
  const name = uniqueName('ep_pg_check').replace(/-/g, '_');
  tables.push(name);
  return name;
};

async function check(
  options: PostgresTransportOptions,
  role: CheckContext['role'] = 'egress',
  timeoutMs = 5000,
): Promise<Record<string, TransportCheck>> {
  const t = createPostgresTransport(options);
  const list = await t.check({ role, signal: new AbortController().signal, timeoutMs });
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

const statuses = (r: Record<string, TransportCheck>) =>
  Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.status]));

afterAll(async () => {
  await dropTables(tables);
});

/** Sends one message through a new egress (the proof that a check's verdict holds). */
async function sendOne(options: PostgresTransportOptions, message: object) {
  const t = createPostgresTransport(options);
  try {
    await t.open({ role: 'egress' });
    return await t.send([message as OutboundMessage]);
  } finally {
    await t.close();
  }
}

describe('postgres check() against the machine server', () => {
  it('all ok as an egress and as a shared-mode ingress; no row is written or taken', async () => {
    const t = table();
    await fillTable(t, 5);
    const egress = await check({ url: POSTGRES_URL, table: t });
    expect(Object.keys(egress)).toEqual([
      'reachable',
      'credentials',
      'table',
      'columns',
      'privileges',
      'server-version',
    ]);
    expect(Object.values(egress).every((c) => c.status === 'ok')).toBe(true);
    expect(egress.reachable?.detail).toMatch(
      /^127\.0\.0\.1:5432 connected and answered in [0-9.]+ ms$/,
    );
    expect(egress.credentials?.detail).toBe(
      'role `postgres` authenticated without a password (the server trusts this host)',
    );
    expect(egress.table?.detail).toBe(`table "${t}" exists`);
    expect(egress.columns?.detail).toBe(
      'has message_id (text), key (text), headers (jsonb), payload (bytea)',
    );
    expect(egress.privileges?.detail).toBe(
      `role "postgres" has INSERT on table "${t}", SELECT on column message_id (\`dedupe\`: ON CONFLICT reads it), USAGE on sequence public.${t}_id_seq (the default of \`orderBy\`), TEMP on database "test" (COPY with \`dedupe\` stages rows in a temporary table)`,
    );
    expect(egress['server-version']?.detail).toMatch(/^PostgreSQL 15\.\d+ \(tested: 15\.x\)$/);
    const shared = await check(
      { url: POSTGRES_URL, table: t, mode: 'shared', onAck: 'mark' },
      'ingress',
    );
    expect(statuses(shared)).toMatchObject({ columns: 'ok', privileges: 'ok' });
    expect(shared.columns?.detail).toBe(
      'has id (bigint), key (text), headers (jsonb), payload (bytea), done_at (timestamp with time zone)',
    );
    expect(await countRows(t)).toBe(5);
    expect(await countRows(t, 'WHERE done_at IS NOT NULL')).toBe(0);
  });

  it('a missing table fails naming `table`; createTable warns and creates nothing', async () => {
    const t = table();
    const r = await check({ url: POSTGRES_URL, table: t });
    expect(r.table).toEqual({
      name: 'table',
      status: 'fail',
      detail: `[transport:postgres] table "${t}" does not exist on 127.0.0.1:5432`,
      fix: 'create it, set `createTable=true` to create it on first run, or fix `table`',
      durationMs: expect.any(Number),
    });
    expect(r.columns).toEqual({
      name: 'columns',
      status: 'skip',
      detail: 'not checked: `table` failed',
    });
    expect(r.privileges?.status).toBe('skip');
    const create = await check({ url: POSTGRES_URL, table: t, createTable: true });
    expect(statuses(create)).toMatchObject({ table: 'warn', columns: 'skip', privileges: 'ok' });
    expect(create.table?.detail).toBe(
      `table "${t}" does not exist: \`createTable=true\` creates it in schema "public" on the first open`,
    );
    const sql = client();
    try {
      const [row] = await sql`SELECT to_regclass(${t}) IS NULL AS missing`;
      expect(row?.missing).toBe(true);
    } finally {
      await sql.end({ timeout: 2 });
    }
  });

  it('a missing column, a payload of the wrong type, no unique index for dedupe', async () => {
    const t = table();
    const sql = client();
    try {
      await sql.unsafe(
        `CREATE TABLE "${t}" (id bigserial PRIMARY KEY, message_id text, payload text)`,
      );
    } finally {
      await sql.end({ timeout: 2 });
    }
    const r = await check({ url: POSTGRES_URL, table: t });
    expect(r.columns).toMatchObject({
      status: 'fail',
      detail: `[transport:postgres] table "${t}" on 127.0.0.1:5432: no column key (\`keyColumn\`); no column headers (\`headersColumn\`); column payload is text, not bytea (\`payloadType\`); column message_id has no unique index, which \`dedupe\` needs for ON CONFLICT (or set \`dedupe=false\`)`,
      fix: "set `keyColumn`, `headersColumn`, `payloadType`, `dedupe` to the table's columns, or change the table",
    });
    expect(r.privileges?.status).toBe('ok');
  });
});

describe('postgres check() when the server is not there', () => {
  it('a closed port fails reachable with the fix; the rest are skipped', async () => {
    const port = await freePort();
    const r = await check({ url: `postgres://postgres@127.0.0.1:${port}/test`, table: 't' });
    expect(r.reachable).toMatchObject({
      status: 'fail',
      detail: `[transport:postgres] cannot connect on 127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
      fix: 'start PostgreSQL there, or fix `url`',
    });
    for (const name of ['credentials', 'table', 'columns', 'privileges', 'server-version'])
      expect(r[name]).toEqual({ name, status: 'skip', detail: 'not checked: `reachable` failed' });
  });

  it('a server that never answers: resolves within timeoutMs, reachable fails', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const t0 = performance.now();
      const url = `postgres://postgres@127.0.0.1:${port}/test`;
      const r = await check({ url, table: 't' }, 'egress', 600);
      expect(performance.now() - t0).toBeLessThan(600);
      expect(r.reachable).toMatchObject({
        status: 'fail',
        detail: `[transport:postgres] cannot connect on 127.0.0.1:${port}: no answer within the check's 600 ms`,
      });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('postgres check() against a private cluster with passwords and roles', () => {
  let pg: PrivatePostgres;
  let base: PostgresTransportOptions;
  beforeAll(async () => {
    pg = await privatePostgres({ password: 'owner-s3cret' });
    base = { url: pg.url, password: 'owner-s3cret', table: 'orders' };
    await pg.psql(
      [
        'CREATE TABLE orders (id bigserial PRIMARY KEY, message_id text UNIQUE, key text, headers jsonb, payload bytea NOT NULL, done_at timestamptz)',
        "INSERT INTO orders (payload) VALUES ('\\x01'), ('\\x02')",
        "CREATE ROLE reader LOGIN PASSWORD 'reader-s3cret'",
        'GRANT SELECT ON orders TO reader',
        'REVOKE TEMP ON DATABASE edgeplane FROM PUBLIC',
      ].join('; '),
    );
  }, 60_000);
  afterAll(async () => {
    await pg?.dispose();
  });

  it('the right password: all ok; a wrong one fails credentials naming the option, never the password', async () => {
    await pg.psql(
      'GRANT ALL ON orders, orders_id_seq TO edgeplane; GRANT TEMP ON DATABASE edgeplane TO edgeplane',
    );
    const ok = await check(base);
    expect(Object.values(ok).every((c) => c.status === 'ok')).toBe(true);
    expect(ok.credentials?.detail).toBe('role `edgeplane` authenticated with its password');
    const wrong = await check({ ...base, password: 'not-the-password' });
    expect(wrong.reachable?.status).toBe('ok');
    expect(wrong.credentials).toMatchObject({
      status: 'fail',
      detail: `[transport:postgres] cannot connect on 127.0.0.1:${pg.port}: password authentication failed (28P01: password authentication failed for user "edgeplane")`,
      fix: 'check `password` (and `username`) for this server',
    });
    expect(wrong.table?.detail).toBe('not checked: `credentials` failed');
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
  });

  it('a role without INSERT (and without TEMP): privileges fail with the GRANTs; reading is fine', async () => {
    const reader = { ...base, username: 'reader', password: 'reader-s3cret' };
    const egress = await check(reader);
    expect(egress.privileges).toEqual({
      name: 'privileges',
      status: 'fail',
      detail: `[transport:postgres] role "reader" on 127.0.0.1:${pg.port} lacks INSERT on table "orders", USAGE on sequence public.orders_id_seq (the default of \`orderBy\`), TEMP on database "edgeplane" (COPY with \`dedupe\` stages rows in a temporary table)`,
      fix: 'GRANT INSERT ON "orders" TO "reader"; GRANT USAGE ON SEQUENCE public.orders_id_seq TO "reader"; GRANT TEMP ON DATABASE "edgeplane" TO "reader" (as the table\'s owner), or set `username` to a role that has them',
      durationMs: expect.any(Number),
    });
    const single = await check(reader, 'ingress');
    expect(single.privileges).toMatchObject({
      status: 'ok',
      detail: 'role "reader" has SELECT on table "orders"',
    });
    const shared = await check({ ...reader, mode: 'shared' }, 'ingress');
    expect(shared.privileges?.detail).toContain(
      'lacks UPDATE on table "orders", DELETE on table "orders"',
    );
    // ON CONFLICT (message_id) DO NOTHING needs SELECT on that column: the check says so,
    // and a send without it fails the same way
    await pg.psql(
      "CREATE ROLE writer LOGIN PASSWORD 'writer-s3cret'; GRANT INSERT ON orders TO writer; GRANT USAGE ON SEQUENCE orders_id_seq TO writer",
    );
    const writer = {
      ...base,
      username: 'writer',
      password: 'writer-s3cret',
      writeMode: 'insert' as const,
    };
    const denied = await check(writer);
    expect(denied.privileges?.detail).toBe(
      `[transport:postgres] role "writer" on 127.0.0.1:${pg.port} lacks SELECT on column message_id (\`dedupe\`: ON CONFLICT reads it)`,
    );
    expect(denied.privileges?.fix).toContain('GRANT SELECT ("message_id") ON "orders" TO "writer"');
    const message = { id: 'm1', headers: {}, body: Buffer.from('x') };
    expect((await sendOne(writer, message)).status).toBe('failed');
    await pg.psql('GRANT SELECT (message_id) ON orders TO writer');
    expect((await check(writer)).privileges?.status).toBe('ok');
    expect((await sendOne(writer, message)).status).toBe('ok');
  });
});

describe('postgres check() over TLS (a private cluster requiring client certificates)', () => {
  it('ok with the CA and a client certificate; an unknown CA fails tls, the server answered', async () => {
    const pki = await createTestPki();
    const pg = await privatePostgres({ pki, password: 'tls-s3cret' });
    try {
      await pg.psql(
        'CREATE TABLE t (id bigserial PRIMARY KEY, message_id text UNIQUE, key text, headers jsonb, payload bytea NOT NULL)',
      );
      const options = {
        url: pg.url,
        password: 'tls-s3cret',
        table: 't',
        tls: true,
        tlsCertFile: pki.client.cert,
        tlsKeyFile: pki.client.key,
      };
      const ok = await check({ ...options, tlsCaFile: pki.ca }, 'ingress');
      expect(statuses(ok)).toMatchObject({
        reachable: 'ok',
        tls: 'ok',
        credentials: 'ok',
        table: 'ok',
      });
      expect(ok.tls?.detail).toMatch(
        /^TLS TLSv1\.[23] \(\S+\): server certificate verified, client certificate accepted$/,
      );
      const unknownCa = await check(options, 'ingress');
      expect(unknownCa.reachable?.status).toBe('ok');
      expect(unknownCa.tls?.status).toBe('fail');
      expect(unknownCa.tls?.detail).toContain('option "tlsCaFile"');
      expect(unknownCa.credentials?.detail).toBe('not checked: `tls` failed');
    } finally {
      await pg.dispose();
    }
  }, 90_000);
});
