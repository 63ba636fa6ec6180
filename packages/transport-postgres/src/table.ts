import { EdgeplaneError } from '@edgeplane/adapter-loop/transport';
import { type Connections, ident } from './connection.js';
import { COMPONENT } from './errors.js';
import type { ResolvedPostgresOptions } from './options.js';

/** `CREATE TABLE IF NOT EXISTS` for the configured table and column names. */
export function createTableSql(o: ResolvedPostgresOptions): string {
  const cols = [
    `${ident(o.orderBy)} bigserial PRIMARY KEY`,
    `${ident(o.messageIdColumn)} text UNIQUE`,
    `${ident(o.keyColumn)} text`,
    `${ident(o.headersColumn)} jsonb`,
    `${ident(o.payloadColumn)} ${o.payloadType} NOT NULL`,
    `${ident(o.doneColumn)} timestamptz`,
    'created_at timestamptz NOT NULL DEFAULT now()',
  ];
  return `CREATE TABLE IF NOT EXISTS ${ident(o.table)} (${cols.join(', ')})`;
}

/**
 * Makes sure the table is there: creates it with `createTable=true`, else checks it exists
 * (`not-found` naming `table` and the fix). Concurrent creators may race: a unique violation
 * (23505 on pg_type) means another one won, which is fine.
 */
export async function ensureTable(connections: Connections): Promise<void> {
  const o = connections.options;
  const sql = connections.sql;
  if (o.createTable) {
    try {
      await sql.unsafe(createTableSql(o));
    } catch (error) {
      const state = (error as { code?: unknown }).code;
      if (state !== '23505' && state !== '42P07') throw error;
    }
    return;
  }
  const [row] = await sql.unsafe('SELECT to_regclass($1) IS NOT NULL AS present', [ident(o.table)]);
  if (!(row as { present?: boolean } | undefined)?.present)
    throw missingTable(o.table, connections.server);
}

/** The table is not there and `createTable` is false (`not-found`, naming `table` and the fix). */
export function missingTable(table: string, server: string): EdgeplaneError {
  return new EdgeplaneError(
    'not-found',
    COMPONENT,
    `table ${JSON.stringify(table)} does not exist on ${server}`,
    {
      details: { server, table, option: 'table' },
      hint: 'create it, set `createTable=true` to create it on first run, or fix `table`',
    },
  );
}
