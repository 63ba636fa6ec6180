import type { CheckRun } from '@edgeplane/adapter-loop/transport';
import { type CheckContext, checkFailed, checkResult } from '@edgeplane/adapter-loop/transport';
import type { Sql } from './connection.js';
import { badColumns, COMPONENT } from './errors.js';
import type { ResolvedPostgresOptions } from './options.js';

/** The columns a role reads or writes, by the option that names each. */
export function columnsOf(
  o: ResolvedPostgresOptions,
  role: CheckContext['role'],
): { readonly option: keyof ResolvedPostgresOptions; readonly column: string }[] {
  const used: (keyof ResolvedPostgresOptions)[] =
    role === 'egress'
      ? ['messageIdColumn', 'keyColumn', 'headersColumn', 'payloadColumn']
      : ['orderBy', 'keyColumn', 'headersColumn', 'payloadColumn'];
  if (role === 'ingress' && o.mode === 'shared' && o.onAck === 'mark') used.push('doneColumn');
  return used.map((option) => ({ option, column: String(o[option]) }));
}

/** Column types the payload option accepts (`format_type` names). */
const PAYLOAD_TYPES: Readonly<Record<ResolvedPostgresOptions['payloadType'], RegExp>> = {
  bytea: /^bytea$/,
  text: /^(text|character varying)/,
};

const COLUMNS = `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
  EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid
    AND i.indisunique AND i.indpred IS NULL AND i.indnatts = 1 AND i.indkey[0] = a.attnum) AS "unique"
  FROM pg_attribute a WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped`;

interface Column {
  readonly name: string;
  readonly type: string;
  readonly unique: boolean;
}

/**
 * The `columns` check: every column the role uses is there, the payload column has the type of
 * `payloadType`, and with `dedupe` (egress, a table) the message-id column has a unique index
 * for `ON CONFLICT`. Returns the table's column names.
 */
export async function checkColumns(
  run: CheckRun,
  sql: Sql,
  o: ResolvedPostgresOptions,
  role: CheckContext['role'],
  server: string,
  oid: string,
  isView: boolean,
): Promise<Set<string>> {
  const at = performance.now();
  const rows = (await run.race(
    sql.unsafe(COLUMNS, [oid]),
    'read the columns',
  )) as unknown as Column[];
  const byName = new Map(rows.map((c) => [c.name, c]));
  const problems: { option: string; text: string }[] = [];
  const used = columnsOf(o, role);
  for (const { option, column } of used) {
    if (!byName.has(column)) problems.push({ option, text: `no column ${column} (\`${option}\`)` });
  }
  const payload = byName.get(o.payloadColumn);
  if (payload && !PAYLOAD_TYPES[o.payloadType].test(payload.type))
    problems.push({
      option: 'payloadType',
      text: `column ${o.payloadColumn} is ${payload.type}, not ${o.payloadType} (\`payloadType\`)`,
    });
  const id = byName.get(o.messageIdColumn);
  if (role === 'egress' && o.dedupe && !isView && id && !id.unique)
    problems.push({
      option: 'dedupe',
      text: `column ${o.messageIdColumn} has no unique index, which \`dedupe\` needs for ON CONFLICT (or set \`dedupe=false\`)`,
    });
  if (problems.length > 0) {
    const e = badColumns(o.table, server, problems);
    run.add(checkFailed('columns', e, COMPONENT, { startedAt: at }));
  } else {
    const list = used.map((u) => `${u.column} (${byName.get(u.column)?.type})`).join(', ');
    run.add(checkResult('columns', 'ok', `has ${list}`, { startedAt: at }));
  }
  return new Set(byName.keys());
}
