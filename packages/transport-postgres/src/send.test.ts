import { afterAll, describe, expect, it } from 'vitest';
import { client, POSTGRES_URL } from '../test/support/pg.js';
import { createPostgresTransport } from './transport.js';

const table = `ep_pg_send_${process.pid}`;
afterAll(async () => {
  const sql = client();
  await sql.unsafe(`DROP TABLE IF EXISTS "${table}"`);
  await sql.end({ timeout: 2 });
});

describe('the sink against the machine PostgreSQL', () => {
  it('a refused COPY fails, not hangs (a CHECK constraint on the user table)', async () => {
    const sql = client();
    await sql.unsafe(
      `CREATE TABLE "${table}" (id bigserial PRIMARY KEY, message_id text UNIQUE, key text, headers jsonb, payload bytea NOT NULL CHECK (length(payload) < 5))`,
    );
    await sql.end({ timeout: 2 });
    const sink = createPostgresTransport({ url: POSTGRES_URL, table, dedupe: false });
    try {
      await sink.open({ role: 'egress' });
      const good = await sink.send([{ body: new Uint8Array([1, 2]) }]);
      expect(good.status).toBe('ok');
      const bad = await sink.send([{ body: new Uint8Array(10) }]);
      expect(bad.status).toBe('failed');
      if (bad.status === 'failed') expect(bad.error.code).toBe('invalid-input');
      const again = await sink.send([{ body: new Uint8Array([3]) }]);
      expect(again.status).toBe('ok');
    } finally {
      await sink.close();
    }
  }, 20_000);
});
