import type { CheckRun } from '@edgeplane/adapter-loop/transport';
import {
  type CheckContext,
  checkFailed,
  checkResult,
  checkSkipped,
} from '@edgeplane/adapter-loop/transport';
import { checkColumns } from './check-columns.js';
import { ident, type Sql } from './connection.js';
import { COMPONENT, missingPrivileges } from './errors.js';
import type { ResolvedPostgresOptions } from './options.js';
import { missingTable } from './table.js';

/** One row of a catalog query, typed loosely. */
type Row = Record<string, unknown>;

async function one(run: CheckRun, sql: Sql, query: string, args: unknown[], what: string) {
  const rows = await run.race(sql.unsafe(query, args as never[]), what);
  return (rows[0] ?? {}) as Row;
}

/** A table's oid, or undefined; for a missing one, the schema it would be created in. */
const TABLE = `SELECT c.oid::int8::text AS oid, c.relkind::text AS kind,
  coalesce(n.nspname, $2::text, current_schema()) AS schema,
  has_schema_privilege(coalesce(n.nspname, $2::text, current_schema()), 'CREATE') AS "canCreate"
  FROM (SELECT to_regclass($1) AS reg) r
  LEFT JOIN pg_class c ON c.oid = r.reg LEFT JOIN pg_namespace n ON n.oid = c.relnamespace`;

const WILL_CREATE =
  'nothing to do if that is intended; otherwise create it beforehand, or fix `table`';

/**
 * The `table`, `columns` and `privileges` checks: `to_regclass`, then the catalog (columns,
 * indexes) and `has_table_privilege` for what the role's statements need. Reads only.
 */
export async function checkTable(
  run: CheckRun,
  sql: Sql,
  o: ResolvedPostgresOptions,
  role: CheckContext['role'],
  server: string,
  user: string,
): Promise<void> {
  const name = JSON.stringify(o.table);
  const at = performance.now();
  const explicitSchema = o.table.includes('.') ? o.table.split('.')[0] : null;
  const found = await one(run, sql, TABLE, [ident(o.table), explicitSchema], `find table ${name}`);
  const oid = typeof found.oid === 'string' ? found.oid : undefined;
  if (oid !== undefined) {
    const kind = found.kind === 'v' ? 'view' : found.kind === 'm' ? 'materialized view' : 'table';
    run.add(checkResult('table', 'ok', `${kind} ${name} exists`, { startedAt: at }));
    const columns = await checkColumns(run, sql, o, role, server, oid, found.kind === 'v');
    await checkPrivileges(run, sql, o, role, server, user, oid, columns);
    return;
  }
  if (!o.createTable) {
    run.add(checkFailed('table', missingTable(o.table, server), COMPONENT, { startedAt: at }));
    return;
  }
  const schema = String(found.schema);
  if (found.canCreate !== true) {
    const e = missingPrivileges(
      user,
      server,
      [`CREATE on schema ${JSON.stringify(schema)} (to create table ${name})`],
      [`GRANT CREATE ON SCHEMA ${ident(schema)} TO ${ident(user)}`],
    );
    run.add(checkFailed('table', e, COMPONENT, { startedAt: at }));
    return;
  }
  const detail = `table ${name} does not exist: \`createTable=true\` creates it in schema ${JSON.stringify(schema)} on the first open`;
  run.add(checkResult('table', 'warn', detail, { fix: WILL_CREATE, startedAt: at }));
  run.add(checkSkipped('columns', 'the table does not exist yet (it is created with them)'));
  await checkPrivileges(run, sql, o, role, server, user, undefined, new Set());
}

/**
 * The `privileges` check. `oid`: the table (undefined: created by this role, which then owns it);
 * `columns`: the table's column names (the sequence behind `orderBy` is looked up when there).
 */
async function checkPrivileges(
  run: CheckRun,
  sql: Sql,
  o: ResolvedPostgresOptions,
  role: CheckContext['role'],
  server: string,
  user: string,
  oid: string | undefined,
  columns: ReadonlySet<string>,
): Promise<void> {
  const table = ident(o.table);
  const wanted: string[] = [];
  if (oid !== undefined) {
    if (role === 'egress') wanted.push('INSERT');
    else {
      wanted.push('SELECT');
      // FOR UPDATE needs UPDATE; an ack deletes (onAck=delete) or marks (an UPDATE) the rows.
      if (o.mode === 'shared') wanted.push('UPDATE', ...(o.onAck === 'delete' ? ['DELETE'] : []));
    }
  }
  const seq = oid !== undefined && role === 'egress' && columns.has(o.orderBy);
  const temp = role === 'egress' && o.writeMode === 'copy' && o.dedupe;
  const args: unknown[] = [];
  const arg = (value: unknown) => {
    args.push(value);
    return `$${args.length}`;
  };
  const selects = [
    'current_database() AS db',
    "has_database_privilege(current_database(), 'TEMP') AS temp",
  ];
  if (oid !== undefined) {
    const rel = `${arg(oid)}::int8::oid`;
    wanted.forEach((p, i) => {
      selects.push(`has_table_privilege(${rel}, '${p}') AS p${i}`);
    });
  }
  const conflict =
    oid !== undefined && role === 'egress' && o.dedupe && columns.has(o.messageIdColumn);
  if (conflict)
    selects.push(
      `has_column_privilege(${arg(oid)}::int8::oid, ${arg(o.messageIdColumn)}, 'SELECT') AS "idOk"`,
    );
  if (seq) {
    const serial = `pg_get_serial_sequence(${arg(table)}, ${arg(o.orderBy)})`;
    selects.push(
      `${serial} AS seq`,
      `coalesce(has_sequence_privilege(${serial}, 'USAGE'), true) AS "seqOk"`,
    );
  }
  const at = performance.now();
  const row = await one(run, sql, `SELECT ${selects.join(', ')}`, args, 'read the privileges');
  const has: string[] = [];
  const lacks: string[] = [];
  const grants: string[] = [];
  wanted.forEach((p, i) => {
    (row[`p${i}`] === true ? has : lacks).push(`${p} on table ${JSON.stringify(o.table)}`);
    if (row[`p${i}`] !== true) grants.push(`GRANT ${p} ON ${table} TO ${ident(user)}`);
  });
  if (conflict) {
    // ON CONFLICT (message_id) reads the conflict column: PostgreSQL wants SELECT on it.
    const what = `SELECT on column ${o.messageIdColumn} (\`dedupe\`: ON CONFLICT reads it)`;
    (row.idOk === true ? has : lacks).push(what);
    if (row.idOk !== true)
      grants.push(`GRANT SELECT (${ident(o.messageIdColumn)}) ON ${table} TO ${ident(user)}`);
  }
  if (seq && typeof row.seq === 'string') {
    const what = `USAGE on sequence ${row.seq} (the default of \`orderBy\`)`;
    (row.seqOk === true ? has : lacks).push(what);
    if (row.seqOk !== true) grants.push(`GRANT USAGE ON SEQUENCE ${row.seq} TO ${ident(user)}`);
  }
  if (temp) {
    const what = `TEMP on database ${JSON.stringify(row.db)} (COPY with \`dedupe\` stages rows in a temporary table)`;
    (row.temp === true ? has : lacks).push(what);
    if (row.temp !== true)
      grants.push(`GRANT TEMP ON DATABASE ${ident(String(row.db))} TO ${ident(user)}`);
  }
  if (oid === undefined) has.push(`ownership of the table it creates`);
  if (lacks.length > 0) {
    const e = missingPrivileges(user, server, lacks, grants);
    run.add(checkFailed('privileges', e, COMPONENT, { startedAt: at }));
    return;
  }
  const detail = `role ${JSON.stringify(user)} has ${has.join(', ')}`;
  run.add(checkResult('privileges', 'ok', detail, { startedAt: at }));
}
